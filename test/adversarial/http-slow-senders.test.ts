import t from 'tap'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { startNetNode } from '../helpers/network.js'
import { pseudoRandomBytes } from '../helpers/node.js'
import { waitFor } from '../helpers/wait.js'
import { multipartBody } from '../helpers/app.js'

// Finding 12 (HTTP): the API had no request timeout and no connection cap; one byte every 20 s
// kept an upload open. The daemon here runs with small limits so the test is quick; the
// defaults are in config/default.json.

t.setTimeout(120000)

const limits = { headersTimeout: '1s', idleTimeout: '2s', minBodyRate: 4096, bodyRateWindow: '1s', maxConnections: 8 }

/** A raw TCP client of the API: what it received, and whether the server closed it. */
interface RawClient {
  socket: Socket
  received: () => string
  closed: Promise<void>
  isClosed: () => boolean
}

async function rawClient (port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1')
  let data = ''
  let closed = false
  socket.on('data', (d: Buffer) => { data += d.toString('latin1') })
  socket.on('error', () => {})
  const closedPromise = new Promise<void>(resolve => { socket.once('close', () => { closed = true; resolve() }) })
  // a refused connection may be reset before 'connect' is seen: then it is just closed
  await Promise.race([once(socket, 'connect').catch(() => {}), closedPromise])
  return { socket, received: () => data, closed: closedPromise, isClosed: () => closed }
}

/** Writes `chunks` one every `everyMs` until the server closes the socket or they run out; resolves to how many went out. */
async function trickle (client: RawClient, chunks: Array<string | Uint8Array>, everyMs: number): Promise<number> {
  let sent = 0
  for (const chunk of chunks) {
    if (client.isClosed()) break
    client.socket.write(chunk)
    sent++
    await Promise.race([new Promise(resolve => setTimeout(resolve, everyMs)), client.closed])
  }
  return sent
}

t.test('slow senders are cut, honest clients are served, connections are capped', async t => {
  const node = await startNetNode(t, { config: { api: limits } })
  const port = Number(new URL(node.url).port)
  const packs = async (): Promise<string[]> => (await readdir(join(node.repo, 'blocks'))).filter(f => f.endsWith('.pack'))
  const pins = async (): Promise<string[]> => (await node.api<{ pins: Array<{ cid: string }> }>('/pins')).pins.map(p => p.cid).sort()

  await t.test('an honest upload works', async t => {
    const data = pseudoRandomBytes(4 * 1024 * 1024, 91)
    const res = await fetch(`${node.url}/add`, { method: 'POST', body: data })
    t.equal(res.status, 200)
    t.match(await res.json(), { size: data.length })
  })

  await t.test('a slow but honest sender whose average is above api.minBodyRate passes, even with stalls', async t => {
    const client = await rawClient(port)
    const body = pseudoRandomBytes(48 * 1024, 92)
    client.socket.write(`POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`)
    // 8 KiB, then a 300 ms stall, six times: ~27 KiB/s on average, far below a LAN, above 4 KiB/s
    const pieces = Array.from({ length: 6 }, (_, i) => body.subarray(i * 8192, (i + 1) * 8192))
    t.equal(await trickle(client, pieces, 300), 6, 'every piece went out')
    await client.closed
    t.match(client.received(), /^HTTP\/1\.1 200 /, 'and the file was added')
  })

  await t.test('a slowloris sending a header line now and then is cut', async t => {
    const client = await rawClient(port)
    const lines = ['POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\n', ...Array.from({ length: 200 }, (_, i) => `X-Slow-${i}: still here\r\n`)]
    const sent = await trickle(client, lines, 200)
    await client.closed
    t.ok(sent < lines.length, `the server closed the socket after ${sent} of ${lines.length} header lines`)
    t.match(client.received(), /^HTTP\/1\.1 408 /, 'with 408')
  })

  await t.test('a connection that sends nothing is closed', async t => {
    const client = await rawClient(port)
    await client.closed
    t.pass('closed by the server')
  })

  await t.test('a kept-alive connection that goes quiet is closed', async t => {
    const client = await rawClient(port)
    client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await waitFor('the answer', () => client.received().includes('"ok"'))
    await client.closed
    t.match(client.received(), /^HTTP\/1\.1 200 /, 'served, then closed when idle')
  })

  const before = { pins: await pins(), packs: await packs() }
  const bodies: Array<{ what: string, path: string, type: string, body: Uint8Array, kubo?: boolean }> = [
    { what: 'raw', path: '/add', type: 'application/octet-stream', body: pseudoRandomBytes(4000, 93) },
    { what: 'multipart', path: '/add', ...(({ body, contentType }) => ({ body, type: contentType }))(multipartBody('file', 'slow.bin', pseudoRandomBytes(4000, 94))) },
    { what: 'kubo multipart', path: '/api/v0/add', kubo: true, ...(({ body, contentType }) => ({ body, type: contentType }))(multipartBody('file', 'slow.bin', pseudoRandomBytes(4000, 95))) }
  ]
  for (const { what, path, type, body, kubo } of bodies) {
    await t.test(`a ${what} body sent one byte every 100 ms to ${path} gets 408 and the socket closes`, async t => {
      const client = await rawClient(port)
      client.socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`)
      // a healthy start (the first 1000 bytes at once, so the import is under way), then a trickle
      client.socket.write(body.subarray(0, 1000))
      const sent = await trickle(client, Array.from(body.subarray(1000), b => Uint8Array.of(b)), 100)
      await client.closed
      t.ok(sent < body.length - 1000, `cut after ${sent} trickled bytes`)
      t.match(client.received(), /^HTTP\/1\.1 408 /)
      t.match(client.received(), /connection: close/i)
      t.match(client.received(), kubo === true ? /"Message":"the request body arrived at \d+ bytes\/s/ : /"code":"REQUEST_TIMEOUT"/)
    })
  }

  await t.test('a slow JSON body to another route is cut too', async t => {
    const client = await rawClient(port)
    const body = JSON.stringify({ capacity: 1000 }).padEnd(600, ' ')
    client.socket.write(`PUT /host/settings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
    const sent = await trickle(client, [...body], 100)
    await client.closed
    t.ok(sent < body.length, `cut after ${sent} of ${body.length} bytes`)
  })

  await t.test('the cut uploads left nothing behind', async t => {
    await waitFor('aborted imports to clean up', async () => (await packs()).length === before.packs.length)
    t.same(await pins(), before.pins, 'no pin')
    t.same(await packs(), before.packs, 'no pack file')
    t.equal((await node.api<{ removedBlocks: number }>('/repo/gc', { method: 'POST' })).removedBlocks, 0, 'no block')
  })

  await t.test(`connections beyond api.maxConnections (${limits.maxConnections}) are refused`, async t => {
    // Each client asks for /health on a kept-alive connection: served ones stay open (until the
    // idle timeout), refused ones are closed unanswered as soon as they are accepted.
    const clients: RawClient[] = []
    t.teardown(() => { for (const c of clients) c.socket.destroy() })
    let refused = 0
    for (let i = 0; i < limits.maxConnections + 2; i++) {
      const client = await rawClient(port)
      clients.push(client)
      if (!client.isClosed()) client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
      await Promise.race([waitFor('an answer', () => client.received().includes('"ok"'), 10000), client.closed])
      if (client.isClosed() && client.received() === '') refused++
    }
    const served = clients.filter(c => c.received().includes('"ok"')).length
    t.ok(served <= limits.maxConnections, `${served} connections served, at most the cap`)
    t.ok(refused >= 2, `${refused} refused without an answer`)
    for (const c of clients) c.socket.destroy()
    await waitFor('a new connection to be served again', async () => await fetch(`${node.url}/health`).then(r => r.ok, () => false))
    t.pass('once they are gone, new clients are served')
  })
})
