import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { spawnDaemon } from './helpers/daemon.js'

t.setTimeout(400000)

const GiB = 1024 * 1024 * 1024

function generated (total: number, hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  let sent = 0
  let x = 0x2545f491
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

t.test('a 2 GiB file is sharded and rebuilt by a daemon in bounded memory', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, async t => {
  const repo = t.testdir()
  const daemon = await spawnDaemon(t, repo)
  const sent = createHash('sha256')
  const added = await fetch(`${daemon.url}/add`, { method: 'POST', body: generated(2 * GiB, sent), headers: { 'content-type': 'application/octet-stream' }, duplex: 'half' } as RequestInit)
  const { cid } = await added.json() as { cid: string }
  const out = join(repo, 'shards')
  const encoded = await fetch(`${daemon.url}/shards/encode?cid=${cid}&out=${encodeURIComponent(out)}&k=4&m=2`, { method: 'POST' })
  t.equal(encoded.status, 200)
  const manifest = await encoded.json() as { manifest: string, size: number, shards: Array<{ size: number }> }
  t.equal(manifest.size, 2 * GiB)
  t.ok(manifest.shards.every(s => s.size > GiB / 2), 'six shards of a quarter of the file each, plus the tags')

  const decoded = await fetch(`${daemon.url}/shards/decode?manifest=${manifest.manifest}&from=${encodeURIComponent(out)}`, { method: 'POST' })
  t.equal(decoded.status, 200)
  const back = createHash('sha256')
  let received = 0
  for await (const chunk of decoded.body as unknown as AsyncIterable<Uint8Array>) { back.update(chunk); received += chunk.length }
  t.equal(received, 2 * GiB)
  t.equal(back.digest('hex'), sent.digest('hex'), 'the rebuilt bytes are the bytes that went in')
  const status = await readFile(`/proc/${daemon.proc.pid ?? 0}/status`, 'utf8')
  const peakMiB = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]) / 1024
  t.ok(peakMiB < 400, `daemon peak RSS ${Math.round(peakMiB)} MiB while 2 GiB were added, encoded (k=4, m=2, 16 MiB segments) and rebuilt`)
})
