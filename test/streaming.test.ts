import t from 'tap'
import { createHash } from 'node:crypto'
import { get } from 'node:http'
import { spawnDaemon } from './helpers/daemon.js'
import { generated, procField } from './helpers/streams.js'

t.setTimeout(300000)

const GiB = 1024 * 1024 * 1024

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
