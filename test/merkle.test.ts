// Merkle trees (src/merkle/): known answers, native vs js vs a naive reference, streaming
// chunkings, proofs and their tampering, serialization, and the addon's sha256Batch checks.
import t from 'tap'
import { createHash } from 'node:crypto'
import {
  EMPTY_ROOT_HEX, HashNativeUnavailableError, MerkleBuilder, MerkleFinishedError, MerkleParameterError, MerkleTree,
  auditPathLength, emptyRoot, hashBackend, leafHash, merkleProof, merkleRoot, nodeHash, verifyMerkleProof,
  verifyMerkleProofs, type HashBackendMode, type MerkleProofItem, type Sha256Batch
} from '../src/merkle/index.js'
import { loadAddon } from '../src/native/addon.js'

// ---- the naive reference: RFC 6962 §2.1 written recursively, straight on node:crypto ----
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}
const split = (n: number): number => { let k = 1; while (k * 2 < n) k *= 2; return k }
function refRoot (leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha()
  if (leaves.length === 1) return sha(Uint8Array.of(0), leaves[0])
  const k = split(leaves.length)
  return sha(Uint8Array.of(1), refRoot(leaves.slice(0, k)), refRoot(leaves.slice(k)))
}
function refPath (m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return []
  const k = split(leaves.length)
  return m < k
    ? [...refPath(m, leaves.slice(0, k)), refRoot(leaves.slice(k))]
    : [...refPath(m - k, leaves.slice(k)), refRoot(leaves.slice(0, k))]
}
const cut = (bytes: Uint8Array, size: number): Uint8Array[] => {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const pattern = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255)
function rng (seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 2 ** 32 }
}
function randomBytes (rand: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256))
}

const nativeAvailable = hashBackend('auto').kind === 'native'
const backends: HashBackendMode[] = nativeAvailable ? ['native', 'js'] : ['js']

t.test('the native backend is there when CI requires it', { skip: process.env.BTFS_TS_REQUIRE_NATIVE !== '1' && 'BTFS_TS_REQUIRE_NATIVE is not 1' }, async t => {
  t.equal(hashBackend('auto').kind, 'native', hashBackend('auto').fallbackReason ?? '')
})

t.test('known answers', async t => {
  t.equal(EMPTY_ROOT_HEX, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  t.equal(hex(emptyRoot()), EMPTY_ROOT_HEX, 'empty tree: SHA-256 of the empty string')
  // RFC 6962 reference leaves and roots (certificate-transparency's Merkle tree test data)
  const leaves = [
    '', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'
  ].map(h => Uint8Array.from(Buffer.from(h, 'hex')))
  const roots = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'
  ]
  // shard roots computed separately with Python's hashlib (bytes (7i + 3) mod 256)
  const shards: Array<[number, number, string]> = [
    [0, 64, EMPTY_ROOT_HEX],
    [1, 64, '583c7dfb7b3055d99465544032a571e10a134b1b6f769422bbb71fd7fa167a5d'],
    [63, 64, 'd7f422b617f5c7bfa8183095e9c9b55726bb2bee9c9589c48e87a621fd026079'],
    [64, 64, 'd7b08e9ac5d272bfe86bd0c16c033defd3cc6bacadd05622f63bdcb0b0286c4f'],
    [65, 64, '7848ed6a3bf4f6455ad559956a40da7674045ba84fc926362d18100771fcb003'],
    [1000, 64, '923c8c4792da341f452946f82d395c94bffd25862a4d558200ca7f64962ea7a0'],
    [4096, 64, 'f0b5c829c1493b4c4c5dcba9383fcef6582888ba53b02eb972e10781c08dcb4d'],
    [4097, 64, '02d5b0c86636cbcd0fb3cbfc0c18d92f52daabb842ca3d96521230b09cc0b8c9'],
    [100000, 1024, '94f5be059ec365884a40d48809ff5c46225b04f571e0614d6e065c818111313c'],
    [5 * 4096 + 17, 4096, '9a9698c0747426f5311cb1085f81687ef8072a39accd04c36a228fe0431cff99']
  ]
  for (const backend of backends) {
    for (let n = 1; n <= 8; n++) {
      const hashes = Buffer.concat(leaves.slice(0, n).map(l => leafHash(l, { backend })))
      t.equal(hex(MerkleTree.fromLeafHashes(hashes, { backend }).root), roots[n - 1], `${backend}: CT vector, ${n} leaves`)
      t.equal(hex(refRoot(leaves.slice(0, n))), roots[n - 1], 'the reference agrees')
    }
    for (const [size, leafSize, root] of shards) {
      t.equal(hex(merkleRoot(pattern(size), leafSize, { backend })), root, `${backend}: ${size} bytes, ${leafSize}-byte leaves`)
      t.equal(hex(MerkleTree.fromShard(pattern(size), leafSize, { backend }).root), root, `${backend}: MerkleTree, ${size} bytes`)
    }
  }
  t.equal(hex(leafHash(new Uint8Array(0))), hex(sha(Uint8Array.of(0))))
  t.equal(hex(nodeHash(emptyRoot(), emptyRoot())), hex(sha(Uint8Array.of(1), emptyRoot(), emptyRoot())))
  t.throws(() => nodeHash(new Uint8Array(31), new Uint8Array(32)), MerkleParameterError)
})

t.test('native and js builders match the reference for every size class and chunking', async t => {
  const rand = rng(7)
  const cases: Array<[number, number]> = []
  for (const leafSize of [1, 3, 64, 1000, 1024, 4096]) {
    const sizes = new Set([0, 1, leafSize - 1, leafSize, leafSize + 1, 2 * leafSize, 3 * leafSize - 1])
    for (const leaves of [2, 4, 8, 16, 32, 64]) for (const d of [-1, 0, 1]) sizes.add((leaves + d) * leafSize + (d === 1 ? 5 % leafSize : 0))
    if (leafSize <= 64) for (const leaves of [1023, 1024, 1025, 2049, 3000]) sizes.add(leaves * leafSize - 1)
    for (const s of sizes) if (s >= 0) cases.push([s, leafSize])
  }
  let checked = 0
  for (const [size, leafSize] of cases) {
    const data = randomBytes(rand, size)
    const want = hex(refRoot(cut(data, leafSize)))
    for (const backend of backends) {
      // one update, then random chunks (0..2.5 leaves, empty chunks included)
      const one = new MerkleBuilder(leafSize, { backend }).update(data)
      t.equal(one.leafCount, Math.ceil(size / leafSize))
      t.equal(one.byteLength, size)
      const got = hex(one.root())
      const chunked = new MerkleBuilder(leafSize, { backend })
      for (let at = 0; at < size;) {
        const n = Math.min(size - at, Math.floor(rand() * leafSize * 2.5))
        chunked.update(data.subarray(at, at + n))
        at += n
      }
      const got2 = hex(chunked.root())
      if (got !== want || got2 !== want) t.fail(`${backend}: ${size} bytes, ${leafSize}-byte leaves`, { got, got2, want })
      checked++
    }
  }
  t.ok(checked > 200, `${checked} roots checked`)

  // beyond one batch (1024 leaves) and odd chunk sizes, native and js against each other
  const big = randomBytes(rand, 3 * 1024 * 1024 + 12345)
  for (const leafSize of [64, 1024, 4096]) {
    const roots = backends.map(backend => {
      const b = new MerkleBuilder(leafSize, { backend })
      for (let at = 0; at < big.length; at += 65537) b.update(big.subarray(at, at + 65537))
      return hex(b.root())
    })
    roots.push(hex(MerkleTree.fromShard(big, leafSize, { backend: 'js' }).root))
    t.equal(new Set(roots).size, 1, `${leafSize}-byte leaves over 3 MiB: ${backends.join(', ')} and MerkleTree agree`)
  }
})

t.test('builder contract', async t => {
  const b = new MerkleBuilder(4)
  b.update(pattern(10))
  const r = b.root()
  t.same(b.root(), r, 'root() is idempotent')
  t.throws(() => b.update(new Uint8Array(1)), MerkleFinishedError)
  t.throws(() => b.tree(), MerkleParameterError, 'tree() needs keepLeafHashes')
  for (const bad of [0, -1, 1.5, NaN, 2 ** 31]) t.throws(() => new MerkleBuilder(bad), MerkleParameterError, `leafSize ${bad}`)
  t.throws(() => new MerkleBuilder(4).update('abc' as unknown as Uint8Array), MerkleParameterError)
  t.throws(() => new MerkleBuilder(4, { backend: 'fast' as HashBackendMode }), MerkleParameterError)
  const kept = new MerkleBuilder(100, { keepLeafHashes: true })
  kept.update(pattern(1234))
  const tree = kept.tree()
  t.same(tree.root, MerkleTree.fromShard(pattern(1234), 100).root)
  t.equal(tree.leafCount, 13)
  t.same(kept.root(), tree.root)
  t.same(new MerkleBuilder(4).root(), emptyRoot())
})

t.test('proofs: every leaf of small trees verifies, every tampering fails', async t => {
  const rand = rng(11)
  for (const backend of backends) {
    for (let n = 1; n <= 33; n++) {
      const leafSize = 8
      const data = randomBytes(rand, n * leafSize - (n % 3)) // the last leaf is sometimes short
      const leaves = cut(data, leafSize)
      const tree = MerkleTree.fromShard(data, leafSize, { backend })
      const lean = MerkleTree.fromShard(data, leafSize, { backend, keepLeafHashes: false })
      const root = tree.root
      t.equal(hex(root), hex(refRoot(leaves)))
      t.same(lean.root, root)
      for (let i = 0; i < n; i++) {
        const path = tree.proof(i)
        const want = refPath(i, leaves).map(hex)
        if (path.map(hex).join() !== want.join()) t.fail(`${backend}: path of leaf ${i}/${n}`)
        if (path.length !== auditPathLength(i, n)) t.fail('auditPathLength')
        const sib = (i ^ 1) < n ? leaves[i ^ 1] : undefined
        if (lean.proof(i, sib).map(hex).join() !== want.join()) t.fail(`${backend}: lean path of leaf ${i}/${n}`)
        if (!verifyMerkleProof(root, i, n, leaves[i], path, { backend })) t.fail(`${backend}: leaf ${i}/${n} does not verify`)
        const rejects = (what: string, r: Uint8Array, idx: number, count: number, leaf: Uint8Array, p: Uint8Array[]): void => {
          if (verifyMerkleProof(r, idx, count, leaf, p, { backend })) t.fail(`${backend}: n=${n} i=${i}: accepted ${what}`)
        }
        for (let j = 0; j < n; j++) if (j !== i) rejects(`index ${j}`, root, j, n, leaves[i], path)
        rejects('index -1', root, -1, n, leaves[i], path)
        rejects('index n', root, n, n, leaves[i], path)
        rejects('index 0.5', root, 0.5, n, leaves[i], path)
        rejects('leaf count 0', root, i, 0, leaves[i], path)
        for (let b = 0; b < leaves[i].length; b++) {
          const bad = leaves[i].slice()
          bad[b] ^= 1 << (b % 8)
          rejects(`flipped leaf byte ${b}`, root, i, n, bad, path)
        }
        rejects('truncated leaf', root, i, n, leaves[i].subarray(0, leaves[i].length - 1), path)
        rejects('extended leaf', root, i, n, Buffer.concat([leaves[i], Uint8Array.of(0)]), path)
        const badRoot = root.slice()
        badRoot[i % 32] ^= 0x80
        rejects('wrong root', badRoot, i, n, leaves[i], path)
        rejects('short root', root.subarray(0, 31), i, n, leaves[i], path)
        for (let k = 0; k < path.length; k++) {
          const p = path.map(x => x.slice())
          p[k][k % 32] ^= 1
          rejects(`flipped path[${k}]`, root, i, n, leaves[i], p)
          rejects(`path without [${k}]`, root, i, n, leaves[i], path.filter((_, q) => q !== k))
          rejects(`short path[${k}]`, root, i, n, leaves[i], path.map((x, q) => q === k ? x.subarray(1) : x))
          if (k + 1 < path.length) {
            const swapped = path.slice()
            ;[swapped[k], swapped[k + 1]] = [swapped[k + 1], swapped[k]]
            if (hex(swapped[k]) !== hex(swapped[k + 1])) rejects(`swapped path[${k}]`, root, i, n, leaves[i], swapped)
          }
        }
        rejects('extended path', root, i, n, leaves[i], [...path, root])
        rejects('extended path (front)', root, i, n, leaves[i], [leafHash(leaves[i]), ...path])
        // a node posing as a leaf: its hash never equals a leaf hash (domain separation)
        if ((i ^ 1) < n) rejects('interior node as leaf', root, i >> 1, Math.ceil(n / 2), Buffer.concat([leafHash(leaves[i & ~1]), leafHash(leaves[i | 1])]), path.slice(1))
      }
    }
  }
  t.throws(() => MerkleTree.fromShard(pattern(40), 8, { keepLeafHashes: false }).proof(2), MerkleParameterError, 'lean tree needs the sibling leaf')
  t.same(MerkleTree.fromShard(pattern(40), 8, { keepLeafHashes: false }).proof(4), MerkleTree.fromShard(pattern(40), 8).proof(4), 'leaf 4 of 5 has no sibling leaf')
  t.throws(() => MerkleTree.fromShard(pattern(40), 8).proof(5), MerkleParameterError)
  t.throws(() => MerkleTree.fromShard(new Uint8Array(0), 8).proof(0), MerkleParameterError, 'the empty tree has no leaf')
  t.same(merkleProof(pattern(1000), 64, 9), refPath(9, cut(pattern(1000), 64)))
  t.throws(() => merkleProof(pattern(1000), 64, 16), MerkleParameterError)
  t.notOk(verifyMerkleProof(emptyRoot(), 0, 0, new Uint8Array(0), []), 'nothing proves a leaf of the empty tree')
})

t.test('batch verification: mixed valid and invalid proofs, both backends', async t => {
  const rand = rng(5)
  const leafSize = 1024
  const n = 1000
  const data = randomBytes(rand, n * leafSize - 100)
  const tree = MerkleTree.fromShard(data, leafSize)
  const leaf = (i: number): Uint8Array => data.subarray(i * leafSize, (i + 1) * leafSize)
  const picks = [0, 1, 998, 999, 500, 500, 511, 512, 37, 64, 999, 3]
  const items: MerkleProofItem[] = picks.map(i => ({ leafIndex: i, leaf: leaf(i), path: tree.proof(i) }))
  const bad = new Set([2, 5, 9])
  items[2] = { ...items[2], leafIndex: items[2].leafIndex + 1 }
  items[5] = { ...items[5], leaf: leaf(7) }
  items[9] = { ...items[9], path: items[9].path.slice(1) }
  for (const backend of backends) {
    const got = verifyMerkleProofs(tree.root, n, items, { backend })
    t.same(got, picks.map((_, k) => !bad.has(k)), `${backend}: per-proof results`)
    t.same(verifyMerkleProofs(tree.root, n, [], { backend }), [])
    t.same(verifyMerkleProofs(tree.root, 2 * n, items, { backend }), picks.map(() => false), 'wrong leaf count (paths of another length)')
    t.same(verifyMerkleProofs(tree.root, n, [null as unknown as MerkleProofItem, items[0]], { backend }), [false, true], 'junk item')
  }
})

t.test('serialize / deserialize', async t => {
  for (const n of [0, 1, 2, 3, 7, 100]) {
    for (const keepLeafHashes of [true, false]) {
      const data = pattern(n * 16)
      const tree = MerkleTree.fromShard(data, 16, { keepLeafHashes })
      const bytes = tree.serialize()
      const back = MerkleTree.deserialize(bytes)
      t.same(back.root, tree.root)
      t.equal(back.leafCount, n)
      t.equal(back.byteLength, tree.byteLength)
      t.equal(back.leafHashesKept, tree.leafHashesKept)
      if (n > 0) t.same(back.proof(n - 1, data.subarray(((n - 1) ^ 1) * 16, (((n - 1) ^ 1) + 1) * 16)), tree.proof(n - 1, data.subarray(((n - 1) ^ 1) * 16, (((n - 1) ^ 1) + 1) * 16)))
      t.throws(() => MerkleTree.deserialize(bytes.subarray(0, bytes.length - 1)), MerkleParameterError)
      t.throws(() => MerkleTree.deserialize(Buffer.concat([bytes, new Uint8Array(32)])), MerkleParameterError)
    }
  }
  const t100 = MerkleTree.fromShard(pattern(1600), 16)
  t.equal(t100.byteLength, 32 * (100 + 50 + 25 + 13 + 7 + 4 + 2 + 1), '2n - 1 hashes (plus carried odd nodes)')
  t.equal(MerkleTree.fromShard(pattern(1600), 16, { keepLeafHashes: false }).byteLength, 32 * (50 + 25 + 13 + 7 + 4 + 2 + 1))
  t.throws(() => MerkleTree.deserialize(new Uint8Array(16)), MerkleParameterError, 'bad magic')
  t.throws(() => MerkleTree.fromLeafHashes(new Uint8Array(33)), MerkleParameterError)
  t.same(MerkleTree.fromLeafHashes(new Uint8Array(0)).root, emptyRoot())
})

t.test('backend choice', async t => {
  const withEnv = <T>(vars: Record<string, string | undefined>, fn: () => T): T => {
    const saved = Object.fromEntries(Object.keys(vars).map(k => [k, process.env[k]]))
    for (const [k, v] of Object.entries(vars)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
    try { return fn() } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
    }
  }
  t.equal(withEnv({ BTFS_TS_MERKLE: 'js' }, () => hashBackend()).kind, 'js')
  t.throws(() => withEnv({ BTFS_TS_MERKLE: 'fast' }, () => hashBackend()), MerkleParameterError)
  const missing = { BTFS_TS_NATIVE_ADDON: '/nonexistent/btfs_native.node', BTFS_TS_MERKLE: undefined }
  const fallback = withEnv(missing, () => hashBackend())
  t.equal(fallback.kind, 'js')
  t.match(fallback.fallbackReason, /nonexistent|Cannot find/)
  t.throws(() => withEnv(missing, () => hashBackend('native')), HashNativeUnavailableError)
  t.same(withEnv(missing, () => merkleRoot(pattern(300), 64)), merkleRoot(pattern(300), 64, { backend: 'js' }))
})

t.test('the addon\'s sha256Batch', { skip: !nativeAvailable && 'native SHA-256 unavailable' }, async t => {
  const addon = loadAddon<{ sha256Batch: Sha256Batch, hashBackend: string }>()
  t.equal(addon.hashBackend, 'openssl')
  const f = addon.sha256Batch
  const data = pattern(1000)
  const out = new Uint8Array(32 * 10)
  f(data, 100, -1, out)
  for (let i = 0; i < 10; i++) t.equal(hex(out.subarray(32 * i, 32 * i + 32)), hex(sha(data.subarray(100 * i, 100 * i + 100))), `message ${i}, no prefix`)
  f(data, 333, 255, out) // 3 messages, 1 trailing byte ignored, rest of out untouched
  t.equal(hex(out.subarray(64, 96)), hex(sha(Uint8Array.of(255), data.subarray(666, 999))))
  t.equal(hex(out.subarray(96, 128)), hex(sha(data.subarray(300, 400))), 'out past 3 digests untouched')
  f(new Uint8Array(5), 6, 0, new Uint8Array(0)) // no whole message: nothing to do
  f(data, 1, 7, new Uint8Array(32 * 1000))

  // memory shared with workers
  const shared = new Uint8Array(new SharedArrayBuffer(256))
  shared.set(data.subarray(0, 256))
  const sout = new Uint8Array(new SharedArrayBuffer(64))
  f(shared, 128, 0, sout)
  t.equal(hex(sout.subarray(32)), hex(sha(Uint8Array.of(0), data.subarray(128, 256))))

  // in place (out at or before input, stride >= 32) is allowed and correct
  const level = randomBytes(rng(3), 64 * 8)
  const want = Array.from({ length: 8 }, (_, i) => hex(sha(Uint8Array.of(1), level.subarray(64 * i, 64 * i + 64))))
  f(level, 64, 1, level)
  t.same(Array.from({ length: 8 }, (_, i) => hex(level.subarray(32 * i, 32 * i + 32))), want)

  const code = { code: 'ERR_HASH_NATIVE_ARGS' }
  const any = (x: unknown): never => x as never
  const loose = f as unknown as (...args: unknown[]) => unknown
  const buf = new Uint8Array(64)
  t.throws(() => loose(), code, 'no arguments')
  t.throws(() => loose(buf, 32, 0), code, 'three arguments')
  t.throws(() => f(any([1, 2, 3]), 1, 0, buf), code, 'input is an array')
  t.throws(() => f(any(new Uint16Array(4)), 1, 0, buf), code, 'input is a Uint16Array')
  t.throws(() => f(any(new Uint8ClampedArray(4)), 1, 0, buf), code, 'input is a Uint8ClampedArray')
  t.throws(() => f(any(buf.buffer), 1, 0, buf), code, 'input is an ArrayBuffer')
  t.throws(() => f(buf, 32, 0, any(new DataView(new ArrayBuffer(64)))), code, 'out is a DataView')
  t.throws(() => f(buf, 32, 0, any(null)), code, 'out is null')
  for (const s of [0, -1, 1.5, NaN, Infinity, 2 ** 32, '32', undefined]) t.throws(() => f(buf, any(s), 0, new Uint8Array(2048)), code, `stride ${String(s)}`)
  for (const p of [-2, 256, 0.5, NaN, '1', null]) t.throws(() => f(buf, 32, any(p), new Uint8Array(64)), code, `prefix ${String(p)}`)
  t.throws(() => f(buf, 32, 0, new Uint8Array(63)), code, 'out too small')
  t.throws(() => f(buf, 16, 0, new Uint8Array(127)), code, 'out too small (4 messages)')
  const mem = new Uint8Array(256)
  t.throws(() => f(mem.subarray(0, 128), 64, 1, mem.subarray(32)), code, 'out starts inside input')
  t.throws(() => f(mem.subarray(64, 128), 16, 1, mem.subarray(0, 128)), code, 'stride < 32 overlapping')
  f(mem.subarray(0, 128), 64, 1, mem.subarray(128)) // adjacent, no overlap
  t.pass('no crash on any bad argument')

  // the js implementation follows the same contract
  const js = hashBackend('js').sha256Batch
  const a = new Uint8Array(32 * 32)
  const b = new Uint8Array(32 * 32)
  f(data, 31, 9, a)
  js(data, 31, 9, b)
  t.same(a, b)
  t.throws(() => js(buf, 0, 0, buf), MerkleParameterError)
  t.throws(() => js(buf, 32, 0, new Uint8Array(63)), MerkleParameterError)
  t.throws(() => js(mem.subarray(0, 128), 64, 1, mem.subarray(32)), MerkleParameterError)
})
