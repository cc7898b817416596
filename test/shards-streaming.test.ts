import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { spawnDaemon } from './helpers/daemon.js'
import { generated, procField } from './helpers/streams.js'

t.setTimeout(400000)

const GiB = 1024 * 1024 * 1024

t.test('a 2 GiB file is sharded and rebuilt by a daemon in bounded memory', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, async t => {
  const repo = t.testdir()
  const daemon = await spawnDaemon(t, repo)
  const idleMiB = await procField(daemon.proc.pid ?? 0, 'VmRSS') / 1024
  const sent = createHash('sha256')
  const added = await fetch(`${daemon.url}/add`, { method: 'POST', body: generated(2 * GiB, sent, 0x2545f491), headers: { 'content-type': 'application/octet-stream' }, duplex: 'half' } as RequestInit)
  const { cid } = await added.json() as { cid: string }
  const out = join(repo, 'shards')
  // the shard routes touch the daemon's folders: they need the API cookie of its repo
  const headers = { authorization: `Bearer ${(await readFile(join(repo, 'api.cookie'), 'utf8')).trim()}` }
  const encoded = await fetch(`${daemon.url}/shards/encode?cid=${cid}&out=${encodeURIComponent(out)}&k=4&m=2`, { method: 'POST', headers })
  t.equal(encoded.status, 200)
  const manifest = await encoded.json() as { manifest: string, size: number, shards: Array<{ size: number }> }
  t.equal(manifest.size, 2 * GiB)
  t.ok(manifest.shards.every(s => s.size > GiB / 2), 'six shards of a quarter of the file each, plus the tags')

  const decoded = await fetch(`${daemon.url}/shards/decode?manifest=${manifest.manifest}&from=${encodeURIComponent(out)}`, { method: 'POST', headers })
  t.equal(decoded.status, 200)
  const back = createHash('sha256')
  let received = 0
  for await (const chunk of decoded.body as unknown as AsyncIterable<Uint8Array>) { back.update(chunk); received += chunk.length }
  t.equal(received, 2 * GiB)
  t.equal(back.digest('hex'), sent.digest('hex'), 'the rebuilt bytes are the bytes that went in')
  const peakMiB = await procField(daemon.proc.pid ?? 0, 'VmHWM') / 1024
  t.ok(peakMiB - idleMiB < 320, `daemon peak RSS ${Math.round(peakMiB)} MiB, ${Math.round(peakMiB - idleMiB)} MiB over idle, while 2 GiB were added, encoded (k=4, m=2, 16 MiB segments) and rebuilt`)
})
