/**
 * bench:add — adds a generated stream (1 GiB by default, BENCH_BYTES to change) through
 * btfs-ts's add path and through Helia's @helia/unixfs addByteStream over blockstore-fs with
 * identical parameters, each in its own process, in the same run. Also measures single-thread
 * SHA-256 and plain disk writes as ceilings. Prints MB/s, ratios and peak RSS; fails if the two
 * paths give different CIDs.
 */
import { execSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GiB, generated, generatorPool, machine, mbps, peakRssMiB, runWorker, settle, table } from './lib.js'

interface Result { path: string, cid?: string, ms: number, bytes: number, peakRssMiB: number, cpuMs?: { user: number, system: number } }

const kuboV1 = { cidVersion: 1 as const, rawLeaves: true, chunkSize: 262144 }

async function ours (dir: string, bytes: number, fsync: boolean): Promise<Result> {
  const { Repo } = await import('../src/repo/index.js')
  const { BtfsNode } = await import('../src/node.js')
  const { silentLogger } = await import('../src/logger.js')
  await Repo.init(dir, { blocks: { fsync } })
  const node = await BtfsNode.start(await Repo.open(dir, 'bench'), silentLogger())
  const start = performance.now()
  const cpu = process.cpuUsage()
  const added = await node.files.add(generated(bytes), { params: kuboV1, pin: true })
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  await node.stop()
  return { path: fsync ? 'btfs-ts (fsync on, default)' : 'btfs-ts (fsync off)', cid: added.cid.toString(), ms, bytes, peakRssMiB: peakRssMiB(), cpuMs: { user: used.user / 1000, system: used.system / 1000 } }
}

async function helia (dir: string, bytes: number, durable: boolean): Promise<Result> {
  const { unixfs } = await import('@helia/unixfs')
  const { FsBlockstore } = await import('blockstore-fs')
  const { fixedSize } = await import('ipfs-unixfs-importer/chunker')
  const { balanced } = await import('ipfs-unixfs-importer/layout')
  const blockstore = new FsBlockstore(dir)
  await blockstore.open()
  const fs = unixfs({ blockstore })
  const start = performance.now()
  const cpu = process.cpuUsage()
  const cid = await fs.addByteStream(generated(bytes), {
    cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: kuboV1.chunkSize }), layout: balanced({ maxChildrenPerNode: 174 }), reduceSingleLeafToSelf: true
  })
  // blockstore-fs never fsyncs: the durable variant pays a `sync` to compare like with like
  if (durable) execSync('sync')
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  await blockstore.close()
  return { path: durable ? '@helia/unixfs + blockstore-fs + sync' : '@helia/unixfs + blockstore-fs', cid: cid.toString(), ms, bytes, peakRssMiB: peakRssMiB(), cpuMs: { user: used.user / 1000, system: used.system / 1000 } }
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
  generatorPool()
  switch (kind) {
    case 'ours': return await ours(dir, bytes, true)
    case 'ours-nosync': return await ours(dir, bytes, false)
    case 'helia': return await helia(dir, bytes, false)
    case 'helia-sync': return await helia(dir, bytes, true)
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
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  const kinds = ['sha256', 'disk', 'helia', 'helia-sync', 'ours', 'ours-nosync']
  const runs = new Map<string, Result[]>()
  for (let round = 0; round < rounds; round++) {
    for (const k of kinds) {
      const tmp = await mkdtemp(join(tmpdir(), `btfs-bench-add-${k}-`))
      try {
        await settle()
        const result = await runWorker<Result>(new URL(import.meta.url), ['worker', k, tmp, String(bytes)])
        runs.set(result.path, [...(runs.get(result.path) ?? []), result])
      } finally {
        await rm(tmp, { recursive: true, force: true })
      }
    }
  }
  // the median run of each path (by time), so one disturbed run does not decide
  const results = [...runs.values()].map(list => [...list].sort((a, b) => a.ms - b.ms)[Math.floor(list.length / 2)] as Result)
  const find = (p: string): Result => results.find(r => r.path === p) as Result
  const base = find('@helia/unixfs + blockstore-fs')
  const durableBase = find('@helia/unixfs + blockstore-fs + sync')
  const mine = find('btfs-ts (fsync on, default)')
  const mineNoSync = find('btfs-ts (fsync off)')
  console.log(`bench:add — ${(bytes / GiB).toFixed(2)} GiB generated stream, kubo --cid-version=1 parameters, median of ${rounds} alternating rounds; ${machine()}; ${new Date().toISOString()}`)
  table(results.map(r => ({
    path: r.path,
    'MB/s': Math.round(mbps(r.bytes, r.ms)),
    'vs Helia': (base.ms / r.ms).toFixed(2) + '×',
    'peak RSS MiB': Math.round(r.peakRssMiB),
    'CPU s (user+sys)': r.cpuMs === undefined ? '' : ((r.cpuMs.user + r.cpuMs.system) / 1000).toFixed(2),
    cid: r.cid ?? ''
  })))
  const cids = new Set(results.filter(r => r.cid !== undefined).map(r => r.cid))
  if (cids.size !== 1) {
    console.error(`CIDs differ: ${[...cids].join(' ')}`)
    process.exit(1)
  }
  console.log(`same CID on every path: ${mine.cid ?? ''}`)
  console.log(`btfs-ts default (fsync on) / Helia = ${(base.ms / mine.ms).toFixed(2)}× (target ≥ 1.5×); both durable (Helia + sync): ${(durableBase.ms / mine.ms).toFixed(2)}×; neither durable (fsync off): ${(base.ms / mineNoSync.ms).toFixed(2)}×`)
  console.log(`btfs-ts peak RSS ${Math.round(mine.peakRssMiB)} MiB (target < 200)`)
}

await main()
