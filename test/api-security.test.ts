import t from 'tap'
import { startTestApp } from './helpers/app.js'
import { defaultConfig } from '../src/config/index.js'
import { assertSafeBinding, isLoopbackHost, parseHostPort } from '../src/api/security.js'

const withToken = { api: { ...defaultConfig().api, address: '0.0.0.0:0', token: 's3cret-token', maxBodyBytes: 1 << 20 } }

t.test('with api.token every private route needs the bearer token', async t => {
  const { app } = await startTestApp(t, withToken)
  const add = await app.inject({ method: 'POST', url: '/add', payload: 'x', headers: { 'content-type': 'application/octet-stream' } })
  t.equal(add.statusCode, 401)
  t.equal(add.json().code, 'UNAUTHORIZED')
  const wrong = await app.inject({ method: 'POST', url: '/add', payload: 'x', headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer nope' } })
  t.equal(wrong.statusCode, 401)
  const ok = await app.inject({ method: 'POST', url: '/add', payload: 'x', headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer s3cret-token' } })
  t.equal(ok.statusCode, 200)
  const cid = ok.json().cid as string
  for (const [method, url] of [['GET', `/cat/${cid}`], ['GET', `/ipfs/${cid}`], ['GET', '/pins'], ['POST', '/repo/gc'], ['DELETE', `/pin/${cid}`], ['POST', '/api/v0/id'], ['GET', '/id']] as const) {
    t.equal((await app.inject({ method, url })).statusCode, 401, `${method} ${url} without token`)
  }
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, '/health is public')
  t.equal((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 200, 'the spec is public')
  t.equal((await app.inject({ method: 'GET', url: '/id', headers: { authorization: 'Bearer s3cret-token', host: 'node.example:5001' } })).statusCode, 200, 'any Host is fine with a token')
})

t.test('api.publicGateway opens only the read routes', async t => {
  const { app } = await startTestApp(t, { api: { ...withToken.api, publicGateway: true } })
  const cid = (await app.inject({ method: 'POST', url: '/add', payload: 'hello', headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer s3cret-token' } })).json().cid as string
  t.equal((await app.inject({ method: 'GET', url: `/ipfs/${cid}` })).body, 'hello')
  t.equal((await app.inject({ method: 'GET', url: `/cat/${cid}` })).statusCode, 200)
  t.equal((await app.inject({ method: 'HEAD', url: `/cat/${cid}` })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/add', payload: 'x', headers: { 'content-type': 'application/octet-stream' } })).statusCode, 401, 'add stays private')
  t.equal((await app.inject({ method: 'POST', url: `/pin/${cid}` })).statusCode, 401, 'pins stay private')
  t.equal((await app.inject({ method: 'POST', url: '/repo/gc' })).statusCode, 401, 'gc stays private')
  t.equal((await app.inject({ method: 'GET', url: '/pins' })).statusCode, 401)
})

t.test('without a token: browser pages and DNS rebinding are refused', async t => {
  const { app } = await startTestApp(t)
  const crossOrigin = await app.inject({ method: 'POST', url: '/repo/gc', headers: { origin: 'https://evil.example' } })
  t.equal(crossOrigin.statusCode, 403)
  t.equal(crossOrigin.json().code, 'FORBIDDEN_ORIGIN')
  t.equal((await app.inject({ method: 'POST', url: '/repo/gc' })).statusCode, 200, 'the same request from curl works')
  const rebinding = await app.inject({ method: 'GET', url: '/pins', headers: { host: 'evil.example:5001' } })
  t.equal(rebinding.statusCode, 403)
  t.equal(rebinding.json().code, 'FORBIDDEN_HOST')
  for (const host of ['localhost:5001', '127.0.0.1:5001', '[::1]:5001', '127.0.0.2']) {
    t.equal((await app.inject({ method: 'GET', url: '/pins', headers: { host } })).statusCode, 200, host)
  }
})

t.test('binding rules and address parsing', async t => {
  t.ok(isLoopbackHost('127.0.0.1'))
  t.ok(isLoopbackHost('::1'))
  t.ok(isLoopbackHost('[::1]'))
  t.ok(isLoopbackHost('localhost'))
  t.notOk(isLoopbackHost('0.0.0.0'))
  t.notOk(isLoopbackHost('192.168.1.2'))
  t.notOk(isLoopbackHost('example.com'))
  t.same(parseHostPort('127.0.0.1:5001'), { host: '127.0.0.1', port: 5001 })
  t.same(parseHostPort('[::1]:0'), { host: '::1', port: 0 })
  t.throws(() => parseHostPort('5001'), { code: 'CONFIG_INVALID' })
  t.throws(() => parseHostPort('host:99999'), { code: 'CONFIG_INVALID' })
  t.throws(() => { assertSafeBinding('0.0.0.0', '') }, { code: 'CONFIG_INVALID', message: /api.token/ })
  t.doesNotThrow(() => { assertSafeBinding('0.0.0.0', 'tok') })
  t.doesNotThrow(() => { assertSafeBinding('127.0.0.1', '') })
})

t.test('privileged routes: the cookie or the token; any Origin but the own one is refused on every method', async t => {
  const cookie = 'ab'.repeat(32)
  const { app } = await startTestApp(t, {}, { cookie })
  const encode = '/shards/encode?cid=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy&out=/nonexistent/btfs-ts-test'
  t.equal((await app.inject({ method: 'POST', url: encode })).statusCode, 401, 'no credential')
  t.equal((await app.inject({ method: 'POST', url: encode, headers: { authorization: `Bearer ${cookie}x` } })).statusCode, 401, 'a longer one')
  t.equal((await app.inject({ method: 'POST', url: encode, headers: { authorization: `Bearer ${cookie}` } })).statusCode, 404, 'the cookie passes (the CID is not stored)')
  t.equal((await app.inject({ method: 'GET', url: '/pins', headers: { origin: 'http://evil.example' } })).json().code, 'FORBIDDEN_ORIGIN', 'GET from another origin')
  t.equal((await app.inject({ method: 'GET', url: '/pins', headers: { origin: 'null' } })).statusCode, 403, 'Origin: null (a sandboxed document)')
  t.equal((await app.inject({ method: 'GET', url: '/pins', headers: { host: '127.0.0.1:5001', origin: 'http://127.0.0.1:5001' } })).statusCode, 200, 'the API\'s own origin')
  t.equal((await app.inject({ method: 'GET', url: '/pins', headers: { host: 'localhost', origin: 'http://localhost' } })).statusCode, 200, 'port 80 left out, as browsers do')
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.headers['content-security-policy'], 'sandbox')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
})

t.test('with api.token, the cookie opens every route too', async t => {
  const cookie = 'cd'.repeat(32)
  const { app } = await startTestApp(t, withToken, { cookie })
  t.equal((await app.inject({ method: 'GET', url: '/pins' })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/pins', headers: { authorization: `Bearer ${cookie}` } })).statusCode, 200, 'the cookie')
  t.equal((await app.inject({ method: 'GET', url: '/pins', headers: { authorization: 'Bearer s3cret-token' } })).statusCode, 200, 'the token')
})
