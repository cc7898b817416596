/**
 * bench:add — adds a generated stream (1 GiB by default, BENCH_BYTES to change) through
 * btfs-ts's add path and through Helia's @helia/unixfs addByteStream over blockstore-fs with
 * identical parameters, each in its own process, in the same run. Also measures single-thread
 * SHA-256 and plain disk writes as ceilings. Prints MB/s, ratios and peak RSS; fails if the two
 * paths give different CIDs.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GiB, generated, machine, mbps, peakRssMiB, runWorker, table } from './lib.js'

interface Result { path: string, cid?: string, ms: number, bytes: number, peakRssMiB: number }

const kuboV1 = { cidVersion: 1 as const, rawLeaves: true, chunkSize: 262144 }

async function ours (dir: string, bytes: number, fsync: boolean): Promise<Result> {
  const { Repo } = await import('../src/repo/index.js')
  const { BtfsNode } = await import('../src/node.js')
  const { silentLogger } = await import('../src/logger.js')
  await Repo.init(dir, { blocks: { fsync } })
  const node = await BtfsNode.start(await Repo.open(dir, 'bench'), silentLogger())
  const start = performance.now()
  const added = await node.files.add(generated(bytes), { params: kuboV1, pin: true })
  const ms = performance.now() - start
  await node.stop()
  return { path: fsync ? 'btfs-ts (fsync on, default)' : 'btfs-ts (fsync off)', cid: added.cid.toString(), ms, bytes, peakRssMiB: peakRssMiB() }
}

async function helia (dir: string, bytes: number): Promise<Result> {
  const { unixfs } = await import('@helia/unixfs')
  const { FsBlockstore } = await import('blockstore-fs')
  const { fixedSize } = await import('ipfs-unixfs-importer/chunker')
  const { balanced } = await import('ipfs-unixfs-importer/layout')
  const blockstore = new FsBlockstore(dir)
  await blockstore.open()
  const fs = unixfs({ blockstore })
  const start = performance.now()
  const cid = await fs.addByteStream(generated(bytes), {
    cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: kuboV1.chunkSize }), layout: balanced({ maxChildrenPerNode: 174 }), reduceSingleLeafToSelf: true
  })
  const ms = performance.now() - start
  await blockstore.close()
  return { path: '@helia/unixfs + blockstore-fs', cid: cid.toString(), ms, bytes, peakRssMiB: peakRssMiB() }
}

async function sha256 (bytes: number): Promise<Result> {
  const piece = Buffer.alloc(262144, 7)
  const start = performance.now()
  for (let done = 0; done < bytes; done += piece.length) createHash('sha256').update(piece).digest()
  return { path: 'SHA-256, one thread, 256 KiB pieces', ms: performance.now() - start, bytes, peakRssMiB: peakRssMiB() }
}

async function disk (dir: string, bytes: number): Promise<Result> {
  const handle = await open(join(dir, 'plain'), 'w')
  const piece = Buffer.alloc(4 * 1024 * 1024, 3)
  const start = performance.now()
  for (let done = 0; done < bytes; done += piece.length) await handle.write(piece)
  await handle.datasync()
  const ms = performance.now() - start
  await handle.close()
  return { path: 'plain disk write + fsync, 4 MiB writes', ms, bytes, peakRssMiB: peakRssMiB() }
}

async function worker (kind: string, dir: string, bytes: number): Promise<Result> {
  switch (kind) {
    case 'ours': return await ours(dir, bytes, true)
    case 'ours-nosync': return await ours(dir, bytes, false)
    case 'helia': return await helia(dir, bytes)
    case 'sha256': return await sha256(bytes)
    case 'disk': return await disk(dir, bytes)
    default: throw new Error(`unknown worker ${kind}`)
  }
}

async function main (): Promise<void> {
  const [mode, kind, dir, size] = process.argv.slice(2)
  if (mode === 'worker') {
    console.log(JSON.stringify(await worker(kind as string, dir as string, Number(size))))
    return
  }
  const bytes = Number(process.env.BENCH_BYTES ?? GiB)
  const results: Result[] = []
  for (const k of ['sha256', 'disk', 'helia', 'ours', 'ours-nosync']) {
    const tmp = await mkdtemp(join(tmpdir(), `btfs-bench-add-${k}-`))
    try {
      results.push(await runWorker<Result>(new URL(import.meta.url), ['worker', k, tmp, String(bytes)]))
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  }
  const find = (p: string): Result => results.find(r => r.path.startsWith(p)) as Result
  const base = find('@helia')
  const mine = find('btfs-ts (fsync on')
  console.log(`bench:add — ${(bytes / GiB).toFixed(2)} GiB generated stream, kubo --cid-version=1 parameters; ${machine()}; ${new Date().toISOString()}`)
  table(results.map(r => ({ path: r.path, 'MB/s': Math.round(mbps(r.bytes, r.ms)), 'vs Helia': (base.ms / r.ms).toFixed(2) + '×', 'peak RSS MiB': Math.round(r.peakRssMiB), cid: r.cid ?? '' })))
  const cids = new Set(results.filter(r => r.cid !== undefined).map(r => r.cid))
  if (cids.size !== 1) {
    console.error(`CIDs differ: ${[...cids].join(' ')}`)
    process.exit(1)
  }
  console.log(`same CID on every path: ${mine.cid ?? ''}`)
  console.log(`btfs-ts / Helia = ${(base.ms / mine.ms).toFixed(2)}× (target ≥ 1.5×), btfs-ts peak RSS ${Math.round(mine.peakRssMiB)} MiB (target < 200)`)
}

await main()
