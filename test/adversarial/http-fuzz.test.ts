import t from 'tap'
import fc from 'fast-check'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestApp, multipartBody } from '../helpers/app.js'

// Issue 11, "It must show" 2: random and mutated query strings, headers (Range!) and bodies on
// every route never crash a handler (no 500), always get a {code, message} 4xx (kubo's shape
// under /api/v0) or a success, and a refused request leaves no pin, block or file behind.

t.setTimeout(120000)

const cookie = 'c0ffee'.repeat(10) + 'c0ff'

// A fixed seed keeps the suite deterministic; BTFS_TS_FUZZ_RUNS and BTFS_TS_FUZZ_SEED explore more.
const numRuns = Number(process.env.BTFS_TS_FUZZ_RUNS ?? 400)
const seedValue = process.env.BTFS_TS_FUZZ_SEED !== undefined ? Number(process.env.BTFS_TS_FUZZ_SEED) : 20261208

/** Every file under `dir`, with its size (a missing folder is empty). */
async function tree (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  return entries.map(e => join(e.parentPath, e.name) + (e.isDirectory() ? '/' : '')).sort()
}

t.test('hostile requests on every route: never a 500, always a {code, message} answer, nothing kept when refused', async t => {
  const { node, app } = await startTestApp(t, { api: { address: '127.0.0.1:0', token: '', publicGateway: false, maxBodyBytes: 1 << 20, headersTimeout: '20s', idleTimeout: '60s', minBodyRate: 4096, bodyRateWindow: '20s', maxConnections: 512 } }, { cookie })
  const sandbox = await mkdtemp(join(tmpdir(), 'btfs-ts-fuzz-'))
  t.teardown(async () => { await rm(sandbox, { recursive: true, force: true }) })
  const seed = (await app.inject({ method: 'POST', url: '/add?name=seed.html', payload: '<p>seed</p>' })).json().cid as string
  const dag = (await app.inject({ method: 'POST', url: '/add?cid-version=0&chunker=size-1000', payload: Buffer.alloc(5000, 7) })).json().cid as string

  const snapshot = async (): Promise<string> => {
    const pins: string[] = []
    for await (const pin of node.pins.ls({ type: 'all' })) pins.push(`${pin.cid} ${pin.type}`)
    return JSON.stringify({
      pins: pins.sort(),
      blocks: await node.blocks.stat(),
      manifests: (await node.shards.list()).length,
      files: [...await tree(sandbox), ...await tree(node.repo.paths.blocks), ...await tree(node.repo.paths.tmp)]
    })
  }

  // Values a client can put anywhere: valid ones (so handlers run), and the usual suspects.
  const number = fc.oneof(
    fc.nat({ max: 20000 }).map(String),
    fc.constantFrom('0', '1', '1e400', '1e3', '0x10', '-1', '+1', '1.5', '', ' 7', '007', 'NaN', 'Infinity', '9007199254740993', '9'.repeat(400))
  )
  const cidLike = fc.oneof(
    fc.constantFrom(seed, dag, 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 'not-a-cid', '', '%00', '..'),
    fc.tuple(fc.constantFrom(seed, dag), fc.nat({ max: 60 }), fc.string({ minLength: 1, maxLength: 1 })).map(([c, i, ch]) => c.slice(0, i) + ch + c.slice(i + 1)),
    fc.string({ maxLength: 200 })
  )
  const path = fc.oneof(
    fc.constantFrom(join(sandbox, 'out'), sandbox, 'relative/dir', '../up', `${sandbox}/../x`, `${sandbox}//a`, '/', '/proc/self', ''),
    fc.string({ maxLength: 40 }).map(s => join(sandbox, encodeURIComponent(s)))
  )
  const text = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('true', 'false', 'size-1000', 'size-0', 'size-99999999', 'recursive', 'direct', 'all', 'stored', 'host', 'renter', '7d', '1e400d', 'sha2-256', 'deposit', 'T' + 'x'.repeat(33)), fc.string({ maxLength: 300 }))
  const value = fc.oneof(number, cidLike, path, text)
  const names = ['offset', 'length', 'cid-version', 'raw-leaves', 'chunker', 'pin', 'name', 'recursive', 'type', 'cid', 'out', 'k', 'm', 'segment-size', 'leaf-size', 'public', 'manifest', 'from', 'root', 'role', 'arg', 'duration', 'max-price', 'limit', 'amount', 'complete', 'lock', 'kind', 'renter', 'progress', 'wrap-with-directory', 'hash', 'trickle', 'stream', 'refresh']
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 10 })), value), { maxLength: 6 })
    .map(pairs => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'))
  const range = fc.oneof(
    fc.tuple(fc.option(number), fc.option(number)).map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
    fc.constantFrom('bytes=0-0,5-9', 'bytes=-0', 'bytes=', 'items=0-1', 'bytes=5-1', 'bytes=0-99999999999999999999999'),
    fc.string({ maxLength: 40 })
  )
  const headers = fc.record({
    range: fc.option(range, { nil: undefined }),
    'if-none-match': fc.option(fc.oneof(fc.constant(`"${seed}"`), fc.string({ maxLength: 20 })), { nil: undefined }),
    accept: fc.option(fc.constantFrom('application/json', 'text/html', '*/*'), { nil: undefined }),
    authorization: fc.option(fc.oneof(fc.constant(`Bearer ${cookie}`), fc.string({ maxLength: 30 })), { freq: 2, nil: undefined }),
    origin: fc.oneof({ arbitrary: fc.constant(undefined), weight: 9 }, { arbitrary: fc.constantFrom('http://evil.example', 'null'), weight: 1 })
  })
  const multipart = fc.tuple(fc.constantFrom('file', 'file-1', 'dir', 'other'), fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 400 }), fc.boolean())
    .map(([field, name, content, cut, mutate]) => {
      const { body, contentType } = multipartBody(field, name, content)
      const bytes = mutate ? Buffer.concat([body.subarray(0, cut), Buffer.from('\r\n--x'), body.subarray(cut + 3)]) : body
      return { body: bytes, type: contentType }
    })
  const body = fc.oneof(
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 5000 }).map(b => ({ body: Buffer.from(b), type: 'application/octet-stream' })),
    fc.json({ maxDepth: 3 }).map(j => ({ body: Buffer.from(j), type: 'application/json' })),
    fc.record({ capacity: fc.oneof(fc.integer(), fc.double(), fc.constant(1e300)), price: fc.oneof(fc.string(), fc.bigInt({ min: 0n, max: 1n << 260n }).map(String)), adTtl: fc.integer(), enabled: fc.boolean() }, { requiredKeys: [] })
      .map(j => ({ body: Buffer.from(JSON.stringify(j)), type: 'application/json' })),
    fc.tuple(fc.string({ maxLength: 200 }), fc.constantFrom('text/plain', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json', 'garbage/garbage'))
      .map(([s, type]) => ({ body: Buffer.from(s), type })),
    multipart
  )

  const routes = app.apiRoutes
  const request = fc.record({ route: fc.constantFrom(...routes), param: cidLike, segments: fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('..', '.', 'seed.html', '%2e%2e', '')), { maxLength: 3 }), query, headers, body })
  let before = await snapshot()
  let runs = 0
  const statuses = new Map<number, number>()
  await fc.assert(fc.asyncProperty(request, async ({ route, param, segments, query, headers, body }) => {
    runs++
    const url = route.url
      .replace(':cid', encodeURIComponent(param))
      .replace(':id', encodeURIComponent(param))
      .replace(':txid', encodeURIComponent(param))
      .replace('*', [param, ...segments].map(encodeURIComponent).join('/')) + (query !== '' ? `?${query}` : '')
    const sentHeaders: Record<string, string> = {}
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) sentHeaders[k] = v
    if (body !== undefined) sentHeaders['content-type'] = body.type
    const res = await app.inject({ method: route.method as 'GET', url, headers: sentHeaders, ...(body !== undefined && route.method !== 'GET' && route.method !== 'HEAD' ? { payload: body.body } : {}) })
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    const where = `${route.method} ${url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 200)}`
    const offline = res.statusCode === 503 && res.body.includes('NETWORK_OFFLINE')
    if (res.statusCode >= 500 && !offline) throw new Error(`a server error: ${where}`)
    if (res.statusCode >= 400 && route.method !== 'HEAD') {
      const answer = res.json() as Record<string, unknown>
      const shaped = route.url.startsWith('/api/v0/')
        ? typeof answer.Message === 'string' && answer.Type === 'error'
        : typeof answer.code === 'string' && typeof answer.message === 'string' && Object.keys(answer).length === 2
      if (!shaped) throw new Error(`an error without its {code, message} shape: ${where}`)
    }
    const after = await snapshot()
    if (res.statusCode >= 400 && after !== before) throw new Error(`a refused request left something behind: ${where}\nbefore ${before}\nafter  ${after}`)
    before = after
  }), { numRuns, seed: seedValue, endOnFailure: true })
  t.equal(runs, numRuns)
  t.ok((statuses.get(200) ?? 0) > 10, `handlers ran as well as refusals: ${JSON.stringify(Object.fromEntries(statuses))}`)

  // Range and offset/length on stored files: the answer is a 4xx, or exactly the bytes asked for.
  const content = Buffer.alloc(5000, 7)
  const reads = fc.record({
    via: fc.constantFrom(`/cat/${dag}`, `/ipfs/${dag}`, `/cat/${seed}`),
    method: fc.constantFrom('GET', 'HEAD'),
    range: fc.option(range, { nil: undefined }),
    window: fc.option(fc.tuple(fc.option(number), fc.option(number)), { nil: undefined })
  })
  await fc.assert(fc.asyncProperty(reads, async ({ via, method, range, window }) => {
    const q = window === undefined ? '' : '?' + [window[0] !== null ? `offset=${encodeURIComponent(window[0])}` : '', window[1] !== null ? `length=${encodeURIComponent(window[1])}` : ''].filter(p => p !== '').join('&')
    const res = await app.inject({ method: method as 'GET', url: via + q, headers: range !== undefined ? { range } : {} })
    const where = `${method} ${via}${q} Range: ${range ?? '-'} → ${res.statusCode} ${res.body.slice(0, 120)}`
    if (res.statusCode >= 500) throw new Error(`a server error: ${where}`)
    if (res.statusCode === 206) {
      const [, a, b, size] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'])) ?? []
      if (a === undefined || Number(b) < Number(a) || Number(b) >= Number(size)) throw new Error(`a bad Content-Range: ${where}`)
      if (Number(res.headers['content-length']) !== Number(b) - Number(a) + 1) throw new Error(`Content-Length and Content-Range disagree: ${where}`)
      if (method === 'GET' && via.includes(dag) && !res.rawPayload.equals(content.subarray(Number(a), Number(b) + 1))) throw new Error(`not the bytes asked for: ${where}`)
    }
    if (res.statusCode === 200 && method === 'GET' && Number(res.headers['content-length']) !== res.rawPayload.length) throw new Error(`a wrong Content-Length: ${where}`)
  }), { numRuns, seed: seedValue, endOnFailure: true })
})
