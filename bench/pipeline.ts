/**
 * bench:pipeline — runs a generated stream (1 GiB by default, BENCH_BYTES to change) through the
 * shard encoder: AES-256-GCM per 16 MiB segment, Reed-Solomon 10 + 20, every shard's CID and
 * Merkle root; shards go nowhere (the bench measures the compute pipeline, not a disk). Each
 * variant runs in its own process: with hash worker threads on every core (the default), and on
 * the calling thread only, as the baseline of the same run. Prints input MB/s and peak RSS.
 */
import { GiB, generated, generatorPool, machine, mbps, peakRssMiB, runWorker, table } from './lib.js'

interface Result { path: string, ms: number, bytes: number, peakRssMiB: number, codec: string }

const params = { k: 10, m: 20, segmentSize: 16 * 1024 * 1024, leafSize: 4096 }

async function worker (kind: string, bytes: number): Promise<Result> {
  const { ShardHashers } = await import('../src/shards/hash-workers.js')
  const { encodeShards } = await import('../src/shards/encoder.js')
  const { newFileSecrets } = await import('../src/shards/cipher.js')
  const { loadCodec } = await import('../src/erasure/index.js')
  const backend = loadCodec()
  const hashers = new ShardHashers(kind === 'workers' ? undefined : 0)
  const { key, fileId } = newFileSecrets()
  generatorPool()
  const start = performance.now()
  await encodeShards({ source: generated(bytes), size: bytes, params, key, fileId, hashers })
  const ms = performance.now() - start
  await hashers.close()
  return { path: kind === 'workers' ? 'encode, hash workers on every core (default)' : 'encode, everything on one thread', ms, bytes, peakRssMiB: peakRssMiB(), codec: `${backend.kind}/${backend.simd}` }
}

async function main (): Promise<void> {
  const [mode, kind, size] = process.argv.slice(2)
  if (mode === 'worker') {
    console.log(JSON.stringify(await worker(kind as string, Number(size))))
    return
  }
  const bytes = Number(process.env.BENCH_BYTES ?? GiB)
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  const runs = new Map<string, Result[]>()
  for (let round = 0; round < rounds; round++) {
    for (const k of ['workers', 'inline']) {
      const result = await runWorker<Result>(new URL(import.meta.url), ['worker', k, String(bytes)])
      runs.set(result.path, [...(runs.get(result.path) ?? []), result])
    }
  }
  const results = [...runs.values()].map(list => [...list].sort((a, b) => a.ms - b.ms)[Math.floor(list.length / 2)] as Result)
  const [mine, base] = results as [Result, Result]
  console.log(`bench:pipeline — ${(bytes / GiB).toFixed(2)} GiB, AES-256-GCM + RS ${params.k}+${params.m} (${mine.codec}) + shard CIDs + Merkle roots (${params.leafSize}-byte leaves), 16 MiB segments, median of ${rounds} rounds; ${machine()}; ${new Date().toISOString()}`)
  table(results.map(r => ({ path: r.path, 'input MB/s': Math.round(mbps(r.bytes, r.ms)), 'vs one thread': (base.ms / r.ms).toFixed(2) + '×', 'peak RSS MiB': Math.round(r.peakRssMiB) })))
  console.log(`pipeline ${Math.round(mbps(mine.bytes, mine.ms))} MB/s of input (target ≥ 300), peak RSS ${Math.round(mine.peakRssMiB)} MiB (target < 256)`)
}

await main()
