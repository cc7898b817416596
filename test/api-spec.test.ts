import t from 'tap'
import { startTestApp } from './helpers/app.js'
import { loadOpenApiSpec, toOpenApiPath } from '../src/api/openapi.js'

t.test("the server's routes and api-spec/openapi.yaml describe the same API", async t => {
  const { app } = await startTestApp(t)
  const spec = loadOpenApiSpec() as { openapi: string, paths: Record<string, Record<string, unknown>> }
  t.match(spec.openapi, /^3\.1\./)
  const methods = new Set(['get', 'head', 'post', 'put', 'delete', 'patch'])
  const inSpec = new Set(Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item).filter(k => methods.has(k)).map(m => `${m.toUpperCase()} ${path}`)))
  const inServer = new Set(app.apiRoutes.map(r => `${r.method} ${toOpenApiPath(r.url)}`))
  t.same([...inServer].filter(r => !inSpec.has(r)).sort(), [], 'every server route is in the spec')
  t.same([...inSpec].filter(r => !inServer.has(r)).sort(), [], 'every spec path is served')
  const served = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(served.statusCode, 200)
  t.same(served.json(), spec, '/openapi.json serves the same document')
})
