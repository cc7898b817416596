import t from 'tap'
import { createHash } from 'node:crypto'
import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { spawnDaemon } from './helpers/daemon.js'
import { startTestApp } from './helpers/app.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'
import { ReadQueue } from '../src/blocks/index.js'
import { generated, procField } from './helpers/streams.js'

t.setTimeout(300000)

const GiB = 1024 * 1024 * 1024
const MiB = 1024 * 1024

t.test('a 2 GiB file goes in and out of a daemon in bounded memory', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, async t => {
  const daemon = await spawnDaemon(t, t.testdir())
  const pid = daemon.proc.pid as number
  // What the stream costs is the peak over the idle daemon (libp2p, API, stores already loaded).
  const idleKiB = await procField(pid, 'VmRSS')
  const sent = createHash('sha256')
  const added = await fetch(`${daemon.url}/add`, { method: 'POST', body: generated(2 * GiB, sent), headers: { 'content-type': 'application/octet-stream' }, duplex: 'half' } as RequestInit)
  t.equal(added.status, 200)
  const { cid, size } = await added.json() as { cid: string, size: number }
  t.equal(size, 2 * GiB)

  const back = createHash('sha256')
  let received = 0
  const response = await fetch(`${daemon.url}/cat/${cid}`)
  t.equal(response.headers.get('content-length'), String(2 * GiB), response.status === 200 ? 'full length' : await response.clone().text())
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) { back.update(chunk); received += chunk.length }
  t.equal(received, 2 * GiB)
  t.equal(back.digest('hex'), sent.digest('hex'), 'the bytes that come out are the bytes that went in')

  const peakKiB = await procField(pid, 'VmHWM')
  t.ok(peakKiB - idleKiB < 256 * 1024, `daemon peak RSS ${Math.round(peakKiB / 1024)} MiB, ${Math.round((peakKiB - idleKiB) / 1024)} MiB over idle: far below the 2 GiB that passed through`)

  // a client that stops reading must stop the daemon reading too (backpressure to the disk)
  const readBefore = await procField(pid, 'rchar', 'io')
  const paused = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    get(`${daemon.url}/cat/${cid}`, res => { res.once('data', () => { res.pause(); resolve(res) }) }).once('error', reject)
  })
  t.teardown(() => paused.destroy())
  let last = -1
  let now = await procField(pid, 'rchar', 'io')
  while (now !== last) {
    last = now
    await new Promise(resolve => setTimeout(resolve, 300))
    now = await procField(pid, 'rchar', 'io')
  }
  const readWhilePaused = now - readBefore
  t.ok(readWhilePaused < 96 * 1024 * 1024, `with the client paused the daemon read ${Math.round(readWhilePaused / 1048576)} MiB of the 2 GiB, then stopped`)
})

t.test('files served over HTTP from reused memory arrive intact, and every lent piece comes back', async t => {
  const { node, app } = await startTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  const files = [
    { size: 4 * MiB, query: '' },
    { size: MiB + 7, query: '' },
    { size: 64 * 1024, query: '' },
    // dag-pb leaves (read whole, not in pieces) and a two-level DAG of small raw leaves
    { size: MiB + 3, query: '?cid-version=0' },
    { size: 200 * 32768 + 5, query: '?chunker=size-32768' }
  ].map((f, i) => ({ ...f, data: Buffer.from(pseudoRandomBytes(f.size, 77 + i)), cid: '' }))
  for (const f of files) {
    const res = await app.inject({ method: 'POST', url: `/add${f.query}`, payload: f.data, headers: { 'content-type': 'application/octet-stream' } })
    f.cid = (res.json() as { cid: string }).cid
  }
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
  // 60 concurrent downloads, whole or a range, more than the pool holds at once
  const mismatches: string[] = []
  await Promise.all(Array.from({ length: 60 }, async (_, i) => {
    const f = files[i % files.length] as typeof files[number]
    const from = i % 3 === 0 ? (i * 7919) % f.size : 0
    const to = i % 3 === 0 ? Math.min(f.size, from + 1 + (i * 104729) % f.size) : f.size
    const res = await fetch(`${base}/cat/${f.cid}`, i % 3 === 0 ? { headers: { range: `bytes=${from}-${to - 1}` } } : {})
    const body = Buffer.from(await res.arrayBuffer())
    if (sha(body) !== sha(f.data.subarray(from, to))) mismatches.push(`${f.size} bytes [${from}, ${to}): status ${res.status}, ${body.length} bytes`)
  }))
  t.same(mismatches, [], 'every download is byte for byte the file (or the range)')
  await waitFor('every lent piece back in the pool', () => node.files.readStats().streamPool.lent === 0, 5000)
  t.equal(node.files.readStats().readAhead.usedBytes, 0, 'no read-ahead budget held')

  // clients that go away mid-download: the daemon stops, and gives the pieces back
  await Promise.all(Array.from({ length: 10 }, async () => {
    await new Promise<void>((resolve, reject) => {
      get(`${base}/cat/${(files[0] as typeof files[number]).cid}`, res => { res.once('data', () => { res.destroy(); resolve() }) }).once('error', reject)
    })
  }))
  await waitFor('pieces of aborted downloads back in the pool', () => node.files.readStats().streamPool.lent === 0, 5000)
  t.pass('pieces of aborted downloads came back')
  const again = await fetch(`${base}/cat/${(files[0] as typeof files[number]).cid}`)
  t.equal(sha(Buffer.from(await again.arrayBuffer())), sha((files[0] as typeof files[number]).data), 'and the next download is intact')
})

t.test('a block removed by GC is not served from its cached location', async t => {
  const { app } = await startTestApp(t)
  // a file of a big leaf and a small one: keep the big leaf (direct pin), so its pack survives
  // the sweep (mostly live, not rewritten) while the small leaf's index entry goes
  const data = Buffer.from(pseudoRandomBytes(262144 + 10000, 5))
  const { cid } = (await app.inject({ method: 'POST', url: '/add', payload: data, headers: { 'content-type': 'application/octet-stream' } })).json() as { cid: string }
  const { links } = (await app.inject({ method: 'GET', url: `/ls/${cid}` })).json() as { links: Array<{ cid: string }> }
  const [big, small] = links.map(l => l.cid) as [string, string]
  t.equal((await app.inject({ method: 'GET', url: `/cat/${small}` })).rawPayload.length, 10000, 'the small leaf read once (its location is now cached)')
  t.equal((await app.inject({ method: 'POST', url: `/pin/${big}?recursive=false` })).statusCode, 200)
  t.equal((await app.inject({ method: 'DELETE', url: `/pin/${cid}` })).statusCode, 200)
  const gc = (await app.inject({ method: 'POST', url: '/repo/gc' })).json() as { removed: string[] }
  t.equal(gc.removed.length, 2, 'the root and the small leaf were collected')
  const res = await app.inject({ method: 'GET', url: `/cat/${small}` })
  t.equal(res.statusCode, 404, 'the collected leaf is gone, though its bytes are still in a live pack')
  t.equal((res.json() as { code: string }).code, 'BLOCK_NOT_FOUND')
  t.equal((await app.inject({ method: 'GET', url: `/cat/${big}` })).rawPayload.length, 262144, 'the kept leaf still reads')
})

t.test('the read queue runs a bounded number of reads, first reads before stream reads', async t => {
  const queue = new ReadQueue(2)
  const order: string[] = []
  const gates: Array<() => void> = []
  const job = (name: string) => async (): Promise<void> => { order.push(name); await new Promise<void>(resolve => { gates.push(resolve) }) }
  const all = [queue.run('stream', job('s1')), queue.run('stream', job('s2')), queue.run('stream', job('s3')), queue.run('first', job('f1')), queue.run('first', job('f2'))]
  await new Promise(resolve => setImmediate(resolve))
  t.same(order, ['s1', 's2'], 'two at a time')
  gates.shift()?.()
  await new Promise(resolve => setImmediate(resolve))
  t.same(order, ['s1', 's2', 'f1'], 'a first read overtakes waiting stream reads…')
  gates.shift()?.()
  await new Promise(resolve => setImmediate(resolve))
  t.same(order, ['s1', 's2', 'f1', 's3'], '…but stream reads keep half of the places when they wait')
  while (gates.length > 0 || order.length < 5) { gates.shift()?.(); await new Promise(resolve => setImmediate(resolve)) }
  await Promise.all(all)
  t.same(order, ['s1', 's2', 'f1', 's3', 'f2'])
  t.same(queue.stats(), { running: 0, waiting: 0 })
})
