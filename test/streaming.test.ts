import t from 'tap'
import { createHash } from 'node:crypto'
import { get } from 'node:http'
import { readFile } from 'node:fs/promises'
import { spawnDaemon } from './helpers/daemon.js'

t.setTimeout(300000)

const GiB = 1024 * 1024 * 1024

/** A pseudo-random stream of `total` bytes in 1 MiB pieces, hashed as it is produced. */
function generated (total: number, hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  let sent = 0
  let x = 0x9e3779b9
  return new ReadableStream({
    pull (controller) {
      if (sent >= total) { controller.close(); return }
      const size = Math.min(1024 * 1024, total - sent)
      const piece = new Uint8Array(size)
      const words = new Uint32Array(piece.buffer, 0, size >>> 2)
      for (let i = 0; i < words.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; words[i] = x >>> 0 }
      hash.update(piece)
      sent += size
      controller.enqueue(piece)
    }
  }, { highWaterMark: 2 })
}

async function procStatus (pid: number, field: string, file = 'status'): Promise<number> {
  const text = await readFile(`/proc/${pid}/${file}`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)
  return Number(match?.[1])
}

t.test('a 2 GiB file goes in and out of a daemon in bounded memory', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, async t => {
  const daemon = await spawnDaemon(t, t.testdir())
  const pid = daemon.proc.pid as number
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

  const peakKiB = await procStatus(pid, 'VmHWM')
  t.ok(peakKiB < 320 * 1024, `daemon peak RSS ${Math.round(peakKiB / 1024)} MiB stays far below the 2 GiB that passed through`)

  // a client that stops reading must stop the daemon reading too (backpressure to the disk)
  const readBefore = await procStatus(pid, 'rchar', 'io')
  const paused = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    get(`${daemon.url}/cat/${cid}`, res => { res.once('data', () => { res.pause(); resolve(res) }) }).once('error', reject)
  })
  t.teardown(() => paused.destroy())
  let last = -1
  let now = await procStatus(pid, 'rchar', 'io')
  while (now !== last) {
    last = now
    await new Promise(resolve => setTimeout(resolve, 300))
    now = await procStatus(pid, 'rchar', 'io')
  }
  const readWhilePaused = now - readBefore
  t.ok(readWhilePaused < 96 * 1024 * 1024, `with the client paused the daemon read ${Math.round(readWhilePaused / 1048576)} MiB of the 2 GiB, then stopped`)
})
