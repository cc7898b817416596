import t from 'tap'
import { startTestApp, multipartBody } from './helpers/app.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { defaultConfig } from '../src/config/index.js'

const chunk = 256 * 1024

t.test('add then cat round-trips at chunk boundaries and across DAG levels', async t => {
  const { app } = await startTestApp(t)
  const sizes = [0, 1, chunk - 1, chunk, chunk + 1, chunk * 175 + 3]
  for (const cidVersion of [0, 1]) {
    for (const size of sizes) {
      const data = Buffer.from(pseudoRandomBytes(size, size + cidVersion))
      const added = await app.inject({ method: 'POST', url: `/add?cid-version=${cidVersion}`, payload: data, headers: { 'content-type': 'application/octet-stream' } })
      t.equal(added.statusCode, 200, `add ${size} bytes v${cidVersion}`)
      const { cid, size: reported } = added.json<{ cid: string, size: number }>()
      t.equal(reported, size)
      t.match(cid, cidVersion === 0 && size <= chunk ? /^Qm/ : cidVersion === 0 ? /^Qm/ : /^baf/)
      const cat = await app.inject({ method: 'GET', url: `/cat/${cid}` })
      t.equal(cat.statusCode, 200)
      t.equal(cat.headers['content-length'], String(size))
      t.equal(cat.headers.etag, `"${cid}"`)
      t.match(cat.headers['cache-control'], /immutable/)
      t.ok(cat.rawPayload.equals(data), `cat ${size} bytes v${cidVersion} is identical`)
    }
  }
})

t.test('raw body and multipart give the same CID; name comes from the filename', async t => {
  const { app } = await startTestApp(t)
  const data = Buffer.from('same bytes either way\n')
  const raw = await app.inject({ method: 'POST', url: '/add', payload: data, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  const { body, contentType } = multipartBody('file', 'note.txt', data)
  const multi = await app.inject({ method: 'POST', url: '/add', payload: body, headers: { 'content-type': contentType } })
  t.equal(raw.statusCode, 200)
  t.equal(multi.statusCode, 200)
  t.equal(multi.json().cid, raw.json().cid)
  t.equal(multi.json().name, 'note.txt')
  t.equal(raw.json().name, undefined)
  const named = await app.inject({ method: 'POST', url: '/add?name=mine', payload: data, headers: { 'content-type': 'application/octet-stream' } })
  t.equal(named.json().name, 'mine')
})

t.test('multipart without a "file" part is a 400 and adds nothing', async t => {
  const { app } = await startTestApp(t)
  const { body, contentType } = multipartBody('other', 'x.bin', Buffer.from('abc'))
  const res = await app.inject({ method: 'POST', url: '/add', payload: body, headers: { 'content-type': contentType } })
  t.equal(res.statusCode, 400)
  t.same(res.json().code, 'MISSING_FILE')
  t.same((await app.inject({ method: 'GET', url: '/pins' })).json(), { pins: [] })
})

t.test('import parameters: chunker, raw-leaves, cid-version and bad values', async t => {
  const { app } = await startTestApp(t)
  const data = Buffer.from(pseudoRandomBytes(5000, 3))
  const post = async (query: string): Promise<{ statusCode: number, json: () => any }> =>
    await app.inject({ method: 'POST', url: `/add?${query}`, payload: data, headers: { 'content-type': 'application/octet-stream' } })
  const small = await post('chunker=size-1024')
  t.equal(small.statusCode, 200)
  t.match(small.json().cid, /^bafybei/, 'several chunks give a dag-pb root')
  const ls = await app.inject({ method: 'GET', url: `/ls/${small.json().cid as string}` })
  t.equal(ls.json().links.length, 5)
  t.ok(ls.json().links.every((l: { type: string }) => l.type === 'raw'), 'CIDv1 leaves are raw')
  const pbLeaves = await post('chunker=size-1024&raw-leaves=false')
  t.not(pbLeaves.json().cid, small.json().cid)
  const lsPb = await app.inject({ method: 'GET', url: `/ls/${pbLeaves.json().cid as string}` })
  t.ok(lsPb.json().links.every((l: { type: string }) => l.type === 'file'), 'dag-pb leaves without raw-leaves')
  for (const bad of ['cid-version=2', 'chunker=rabin', 'chunker=size-0', 'chunker=size-2000000', 'raw-leaves=maybe', 'pin=perhaps']) {
    const res = await post(bad)
    t.equal(res.statusCode, 400, bad)
    t.equal(res.json().code, 'INVALID_PARAMETER', bad)
    t.type(res.json().message, 'string')
  }
  t.equal((await app.inject({ method: 'GET', url: '/pins' })).json().pins.length, 2, 'rejected adds pinned nothing')
})

t.test('Range requests', async t => {
  const { app } = await startTestApp(t)
  const data = Buffer.from(pseudoRandomBytes(chunk * 3 + 100, 9))
  const { cid } = (await app.inject({ method: 'POST', url: '/add', payload: data, headers: { 'content-type': 'application/octet-stream' } })).json<{ cid: string }>()
  const get = async (range: string | undefined, query = ''): Promise<any> =>
    await app.inject({ method: 'GET', url: `/cat/${cid}${query}`, headers: range === undefined ? {} : { range } })
  const cases: Array<[string, number, number]> = [
    ['bytes=0-0', 0, 0],
    ['bytes=0-', 0, data.length - 1],
    ['bytes=5-9', 5, 9],
    ['bytes=-1', data.length - 1, data.length - 1],
    ['bytes=-100000000', 0, data.length - 1],
    [`bytes=${chunk - 1}-${chunk}`, chunk - 1, chunk],
    [`bytes=${data.length - 10}-${data.length + 1000}`, data.length - 10, data.length - 1]
  ]
  for (const [range, start, end] of cases) {
    const res = await get(range)
    t.equal(res.statusCode, 206, range)
    t.equal(res.headers['content-range'], `bytes ${start}-${end}/${data.length}`, range)
    t.equal(res.headers['content-length'], String(end - start + 1), range)
    t.ok(res.rawPayload.equals(data.subarray(start, end + 1)), `${range} bytes`)
  }
  for (const range of [`bytes=${data.length}-`, `bytes=${data.length + 5}-${data.length + 9}`, 'bytes=-0']) {
    const res = await get(range)
    t.equal(res.statusCode, 416, range)
    t.equal(res.headers['content-range'], `bytes */${data.length}`)
    t.equal(res.json().code, 'RANGE_NOT_SATISFIABLE')
    t.notOk(res.headers['cache-control'], 'errors are not cached as immutable')
  }
  for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-5', 'nonsense']) {
    const res = await get(range)
    t.equal(res.statusCode, 200, `${range} is ignored`)
    t.equal(res.rawPayload.length, data.length)
  }
  const window = await get(undefined, `?offset=${chunk - 3}&length=10`)
  t.equal(window.statusCode, 200)
  t.ok(window.rawPayload.equals(data.subarray(chunk - 3, chunk + 7)))
  const tail = await get(undefined, `?offset=${data.length - 4}&length=1000`)
  t.ok(tail.rawPayload.equals(data.subarray(data.length - 4)))
  t.equal((await get(undefined, `?offset=${data.length}`)).rawPayload.length, 0)
  t.equal((await get(undefined, `?offset=${data.length + 1}`)).statusCode, 416)
  t.equal((await get(undefined, '?offset=-1')).statusCode, 400)
  const head = await app.inject({ method: 'HEAD', url: `/cat/${cid}`, headers: { range: 'bytes=10-19' } })
  t.equal(head.statusCode, 206)
  t.equal(head.headers['content-length'], '10')
  t.equal(head.rawPayload.length, 0)
  const notModified = await app.inject({ method: 'GET', url: `/cat/${cid}`, headers: { 'if-none-match': `"${cid}"` } })
  t.equal(notModified.statusCode, 304)
  const empty = (await app.inject({ method: 'POST', url: '/add', payload: Buffer.alloc(0), headers: { 'content-type': 'application/octet-stream' } })).json<{ cid: string }>()
  t.equal((await app.inject({ method: 'GET', url: `/cat/${empty.cid}`, headers: { range: 'bytes=0-' } })).statusCode, 416, 'no byte of an empty file can be ranged')
})

t.test('bad and unknown CIDs', async t => {
  const { app } = await startTestApp(t)
  for (const url of ['/cat/not-a-cid', '/ls/QmNope', '/cat/bafy', '/pin/zzz']) {
    const res = await app.inject({ method: url.startsWith('/pin') ? 'POST' : 'GET', url })
    t.equal(res.statusCode, 400, url)
    t.equal(res.json().code, 'INVALID_CID', url)
    t.match(res.headers['content-type'], /application\/json/)
  }
  const unknown = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
  for (const [method, url] of [['GET', `/cat/${unknown}`], ['HEAD', `/cat/${unknown}`], ['GET', `/ls/${unknown}`], ['POST', `/pin/${unknown}`], ['DELETE', `/pin/${unknown}`]] as const) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, 404, `${method} ${url}`)
    if (method !== 'HEAD') t.match(res.json().code, /BLOCK_NOT_FOUND|NOT_PINNED/)
  }
  const route = await app.inject({ method: 'GET', url: '/nope' })
  t.equal(route.statusCode, 404)
  t.equal(route.json().code, 'ROUTE_NOT_FOUND')
})

t.test('uploads over api.maxBodyBytes get 413 and leave nothing', async t => {
  const { app, node } = await startTestApp(t, { api: { ...defaultConfig().api, address: '127.0.0.1:0', maxBodyBytes: 100000 } })
  const big = Buffer.from(pseudoRandomBytes(150000, 1))
  const declared = await app.inject({ method: 'POST', url: '/add', payload: big, headers: { 'content-type': 'application/octet-stream' } })
  t.equal(declared.statusCode, 413)
  t.equal(declared.json().code, 'BODY_TOO_LARGE')
  const { Readable } = await import('node:stream')
  const chunked = await app.inject({ method: 'POST', url: '/add', payload: Readable.from([big.subarray(0, 60000), big.subarray(60000)]), headers: { 'content-type': 'application/octet-stream' } })
  t.equal(chunked.statusCode, 413, 'a body without Content-Length is cut at the limit')
  const { body, contentType } = multipartBody('file', 'big.bin', big)
  const multi = await app.inject({ method: 'POST', url: '/add', payload: Readable.from([body]), headers: { 'content-type': contentType } })
  t.equal(multi.statusCode, 413, 'multipart too')
  t.same((await app.inject({ method: 'GET', url: '/pins' })).json(), { pins: [] })
  t.same(await node.blocks.stat(), { blocks: 0, bytes: 0, packs: 0 }, 'no block was kept')
  const ok = await app.inject({ method: 'POST', url: '/add', payload: big.subarray(0, 100000), headers: { 'content-type': 'application/octet-stream' } })
  t.equal(ok.statusCode, 200, 'exactly the limit is fine')
})
