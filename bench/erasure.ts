/**
 * Erasure codec benchmark: native (each SIMD level this CPU has), portable, and the WASM
 * oracle library, in one process, MB/s (10^6 B/s) of DATA bytes on one core.
 *
 *   node dist/bench/erasure.js [--sizes=1048576,65536] [--levels=gfni512,avx2] [--min-ms=200] [--rounds=3] [--no-oracle]
 *
 * Each cell is the median of `rounds` timings of at least min-ms each, on the same (cache-warm)
 * buffers, after one warm-up call.
 */
import { randomFillSync } from 'node:crypto'
import { loadCodec, SIMD_LEVELS, type ErasureCodec } from '../src/erasure/index.js'
import { oracle } from '../test/helpers/erasure-oracle.js'

const args = new Map(process.argv.slice(2).map(a => a.replace(/^--/, '').split('=') as [string, string]))
const sizes = (args.get('sizes') ?? '1048576,65536').split(',').map(Number)
const minMs = Number(args.get('min-ms') ?? 200)
const rounds = Number(args.get('rounds') ?? 3)
const withOracle = !args.has('no-oracle')

interface Case { label: string, k: number, m: number, missing?: number[], want?: 'data' }
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i)
const cases: Case[] = [
  { label: '10+20 encode', k: 10, m: 20 },
  { label: '10+20 rebuild 20 lost (all 10 data + 10 parity)', k: 10, m: 20, missing: [...range(0, 10), ...range(10, 20)] },
  { label: '10+20 rebuild 20 lost (5 data + 15 parity)', k: 10, m: 20, missing: [...range(0, 5), ...range(15, 30)] },
  { label: '10+20 rebuild all data only (want 0..9)', k: 10, m: 20, missing: range(0, 10), want: 'data' },
  { label: '10+4 encode', k: 10, m: 4 },
  { label: '10+4 rebuild 4 data lost', k: 10, m: 4, missing: [0, 3, 6, 9] }
]

/** Median over `rounds` of MB/s for `bytes` per call, each round running fn for >= minMs. */
function measure (bytes: number, fn: () => void): number {
  fn() // warm-up (also fills plan caches)
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    let n = 0
    let dt = 0
    const t0 = process.hrtime.bigint()
    do { fn(); n++; dt = Number(process.hrtime.bigint() - t0) / 1e6 } while (dt < minMs)
    rates.push(bytes * n / (dt / 1000) / 1e6)
  }
  return rates.sort((a, b) => a - b)[rounds >> 1]
}

function pieces (k: number, m: number, size: number): Uint8Array[] {
  const all = Array.from({ length: k + m }, () => new Uint8Array(size))
  for (let i = 0; i < k; i++) randomFillSync(all[i])
  return all
}

function benchCodec (codec: ErasureCodec, c: Case, size: number): number {
  const all = pieces(c.k, c.m, size)
  codec.encode(all.slice(0, c.k), all.slice(c.k))
  if (c.missing === undefined) {
    const data = all.slice(0, c.k)
    const parity = all.slice(c.k)
    return measure(c.k * size, () => codec.encode(data, parity))
  }
  const lost = new Set(c.missing)
  const present = all.map((_, i) => !lost.has(i))
  const want = c.want === 'data' ? range(0, c.k) : undefined
  const work: Array<Uint8Array | undefined> = all.slice() // missing entries are rewritten in place
  return measure(c.k * size, () => codec.reconstruct(work, present, want))
}

function benchOracle (c: Case, size: number): number {
  const rs = oracle()
  const n = c.k + c.m
  const buf = new Uint8Array(n * size)
  randomFillSync(buf, 0, c.k * size)
  rs.encode(buf, c.k, c.m)
  if (c.missing === undefined) return measure(c.k * size, () => rs.encode(buf, c.k, c.m))
  const lost = new Set(c.missing)
  const present = range(0, n).map(i => !lost.has(i))
  return measure(c.k * size, () => rs.reconstruct(buf, c.k, c.m, present))
}

const native = loadCodec({ mode: 'auto' })
const levels = native.kind === 'native'
  ? SIMD_LEVELS.filter(l => loadCodec({ simd: l }).simd === l && (args.get('levels')?.split(',').includes(l) ?? true))
  : []
console.log(`node ${process.version}; default backend: ${native.kind}/${native.simd}` +
  (native.fallbackReason !== undefined ? ` (${native.fallbackReason})` : ''))
console.log(`MB/s of data bytes (k × piece size per call), one thread, median of ${rounds} × >= ${minMs} ms; runs vary ±30 %: compare ratios\n`)

for (const size of sizes) {
  const cols = [...levels.map(l => `native/${l}`), 'portable', ...(withOracle ? ['wasm-oracle'] : [])]
  console.log(`piece size ${size} B`)
  console.log(['case'.padEnd(50), ...cols.map(c => c.padStart(15)), 'best/portable'.padStart(14), 'best/oracle'.padStart(12)].join(''))
  for (const c of cases) {
    const r: number[] = []
    for (const l of levels) r.push(benchCodec(loadCodec({ simd: l }).createCodec(c.k, c.m), c, size))
    const portable = benchCodec(loadCodec({ mode: 'portable' }).createCodec(c.k, c.m), c, size)
    r.push(portable)
    let ora = NaN
    if (withOracle) { ora = benchOracle(c, size); r.push(ora) }
    const best = Math.max(...r.slice(0, levels.length), portable)
    console.log([c.label.padEnd(50), ...r.map(x => x.toFixed(0).padStart(15)),
      (best / portable).toFixed(1).padStart(13) + 'x', (best / ora).toFixed(1).padStart(11) + 'x'].join(''))
  }
  console.log('')
}
