import t from 'tap'
import Fastify from 'fastify'
import Type from 'typebox'
import { assertBoundedNumbers, registerStrictInputs } from '../src/api/strict-inputs.js'
import { startTestApp } from './helpers/app.js'

t.test('a route whose input has an unbounded number is refused at startup', async t => {
  t.throws(() => { assertBoundedNumbers(Type.Object({ n: Type.Integer({ minimum: 0 }) }), 'x') }, /minimum and a maximum/)
  t.throws(() => { assertBoundedNumbers(Type.Object({ a: Type.Array(Type.Number({ minimum: 0, maximum: 1e300 })) }), 'x') }, /safe integers/, 'nested, and past the safe integers')
  t.doesNotThrow(() => { assertBoundedNumbers(Type.Object({ n: Type.Integer({ minimum: 0, maximum: 10 }) }), 'x') })
  const app = Fastify()
  registerStrictInputs(app)
  t.throws(() => { app.get('/n', { schema: { querystring: Type.Object({ n: Type.Integer() }) } }, async () => 'x') }, /GET \/n querystring: every number/)
  await app.close()
})

t.test('every route of the API bounds its numbers, and URL integers are plain decimals', async t => {
  const { app } = await startTestApp(t) // building it runs the check on every route
  const cid = (await app.inject({ method: 'POST', url: '/add', payload: 'abcdef' })).json().cid as string
  for (const [value, status] of [['2', 200], ['0', 200], ['1e0', 400], ['0x2', 400], ['02', 400], ['', 400], ['2.0', 400], ['-0', 400], [String(2 ** 53), 400]] as const) {
    const res = await app.inject({ method: 'GET', url: `/cat/${cid}?offset=${encodeURIComponent(value)}` })
    t.equal(res.statusCode, status, `offset=${value}`)
  }
  const repeated = await app.inject({ method: 'GET', url: `/cat/${cid}?offset=1&offset=0x1` })
  t.equal(repeated.statusCode, 400, 'every value of a repeated parameter is checked')
})
