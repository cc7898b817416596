/**
 * Merkle benchmark, one core: MB/s (10^6 B/s) of building roots (native sha256Batch vs js
 * node:crypto, 1 KiB and 4 KiB leaves) next to one flat SHA-256 over the same bytes, and storage
 * proofs verified per second for challenges of c leaves in a tree of 2^levels leaves.
 *
 *   node dist/bench/merkle.js [--bytes=67108864] [--c=8] [--levels=20] [--min-ms=300] [--rounds=3]
 *
 * Each figure is the median of `rounds` timings of at least min-ms each, after a warm-up.
 */
import { createHash } from 'node:crypto'
import { generatorPool, machine, mbps, MiB } from './lib.js'
import {
  MerkleBuilder, MerkleTree, hashBackend, leafHash, verifyMerkleProof, verifyMerkleProofs,
  type HashBackendMode, type MerkleProofItem
} from '../src/merkle/index.js'

const args = new Map(process.argv.slice(2).map(a => a.replace(/^--/, '').split('=') as [string, string]))
const bytes = Number(args.get('bytes') ?? 64 * MiB)
const c = Number(args.get('c') ?? 8)
const levels = Number(args.get('levels') ?? 20)
const minMs = Number(args.get('min-ms') ?? 300)
const rounds = Number(args.get('rounds') ?? 3)
const leafSizes = [1024, 4096]

/** Median over `rounds` of operations per second, each round running fn (ops per call) for >= minMs. */
function perSecond (ops: number, fn: () => void): number {
  fn()
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    let n = 0
    let ms = 0
    const t0 = process.hrtime.bigint()
    do { fn(); n++; ms = Number(process.hrtime.bigint() - t0) / 1e6 } while (ms < minMs)
    rates.push(ops * n / (ms / 1000))
  }
  return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
const native = hashBackend('auto')
const modes: HashBackendMode[] = native.kind === 'native' ? ['native', 'js'] : ['js']
console.log(`# Merkle trees (RFC 6962, SHA-256) — ${machine()}`)
console.log(native.kind === 'native' ? '# native: addon sha256Batch (OpenSSL)' : `# native unavailable (${native.fallbackReason ?? ''}): js only`)

// ---- roots over a shard stream, 1 MiB chunks ----
const pool = generatorPool(1)
const chunks: Uint8Array[] = []
for (let at = 0; at < bytes; at += MiB) chunks.push(pool.subarray(at % pool.length, (at % pool.length) + Math.min(MiB, bytes - at)))
const flat = perSecond(bytes, () => { const h = createHash('sha256'); for (const ch of chunks) h.update(ch); h.digest() })
console.log(`\n## building roots, ${bytes / MiB} MiB fed in 1 MiB chunks (MB/s)`)
console.log(`flat SHA-256 (node:crypto, the CID's hash): ${fmt(mbps(flat, 1000))}`)
for (const leafSize of leafSizes) {
  const cells = modes.map(backend => {
    const rate = perSecond(bytes, () => { const b = new MerkleBuilder(leafSize, { backend }); for (const ch of chunks) b.update(ch); b.root() })
    return `${backend} ${fmt(mbps(rate, 1000))}`
  })
  const treeRate = perSecond(chunks[0].length, () => { MerkleTree.fromShard(chunks[0], leafSize) })
  console.log(`${leafSize / 1024} KiB leaves: ${cells.join(', ')}; MerkleTree.fromShard (1 MiB) ${fmt(mbps(treeRate, 1000))}`)
}

// ---- proofs: c challenged leaves of a tree of 2^levels leaves ----
const leafCount = 2 ** levels
const sets = 64
console.log(`\n## verifying challenges: c = ${c} leaves of a ${leafCount}-leaf tree, ${sets} different challenges in turn (per second)`)
for (const leafSize of leafSizes) {
  // Random leaf hashes stand in for the leaves nobody asks about; the challenged leaves are real.
  const hashes = new Uint8Array(leafCount * 32)
  for (let at = 0; at < hashes.length; at += pool.length) hashes.set(pool.subarray(0, Math.min(pool.length, hashes.length - at)), at)
  let seed = 12345
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed }
  const challenges: Array<Array<{ i: number, leaf: Uint8Array }>> = []
  for (let s = 0; s < sets; s++) {
    challenges.push(Array.from({ length: c }, () => {
      const i = next() % leafCount
      const at = (i * 64) % (pool.length - leafSize)
      return { i, leaf: Uint8Array.from(pool.subarray(at, at + leafSize)) }
    }))
  }
  for (const set of challenges) for (const { i, leaf } of set) hashes.set(leafHash(leaf), 32 * i)
  const tree = MerkleTree.fromLeafHashes(hashes)
  const root = tree.root
  const answers: MerkleProofItem[][] = challenges.map(set => set.map(({ i, leaf }) => ({ leafIndex: i, leaf, path: tree.proof(i) })))
  if (!answers.every(a => verifyMerkleProofs(root, leafCount, a).every(Boolean))) throw new Error('a proof failed')
  const pathLength = answers[0][0].path.length
  for (const backend of modes) {
    let k = 0
    const batched = perSecond(sets * c, () => {
      for (const a of answers) if (!verifyMerkleProofs(root, leafCount, a, { backend }).every(Boolean)) k++
    })
    const single = perSecond(sets * c, () => {
      for (const a of answers) for (const p of a) if (!verifyMerkleProof(root, p.leafIndex, leafCount, p.leaf, p.path, { backend })) k++
    })
    if (k !== 0) throw new Error('a proof failed')
    console.log(`${leafSize / 1024} KiB leaves, ${backend}: ${fmt(batched)} proofs/s (${fmt(batched / c)} challenges/s) batched; ${fmt(single)} proofs/s one by one`)
  }
  const answer = c * (8 + leafSize + 32 * pathLength)
  console.log(`  one challenge answer: ${fmt(answer)} bytes = ${c} × (8-byte index + ${leafSize}-byte leaf + ${pathLength} × 32-byte path)`)
}
const perLeaf = MerkleTree.fromLeafHashes(new Uint8Array(32 * 4096)).byteLength / 4096
const lean = MerkleTree.fromLeafHashes(new Uint8Array(32 * 4096), { keepLeafHashes: false }).byteLength / 4096
console.log(`\nhost storage for a MerkleTree: ${perLeaf.toFixed(1)} bytes per leaf (leaf hashes kept), ${lean.toFixed(1)} without`)
