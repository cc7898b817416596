/** Inclusion proofs (RFC 6962 audit paths): making them from a shard, checking them against a root. */
import { hashBackend } from './backend.js'
import { checkLeafIndex, checkLeafSize, HASH_BYTES, hashLeafInto, leafCountOf, NODE_PREFIX } from './rfc6962.js'
import { MerkleTree } from './tree.js'
import type { MerkleOptions, MerkleProofItem } from './interface.js'

/**
 * Number of hashes in the audit path of leaf `leafIndex` in a tree of `leafCount` leaves: one
 * per level where the node has a sibling (ceil(log2 leafCount) at most). Throws
 * MerkleParameterError on a bad index.
 */
export function auditPathLength (leafIndex: number, leafCount: number): number {
  checkLeafIndex(leafIndex, leafCount)
  let length = 0
  for (let j = leafIndex, last = leafCount - 1; last > 0; j = Math.floor(j / 2), last = Math.floor(last / 2)) {
    if (j % 2 === 1 || j < last) length++
  }
  return length
}

/**
 * Audit path of leaf `leafIndex` of `shard` cut into `leafSize`-byte leaves (hashes the whole
 * shard; to answer many challenges keep a MerkleTree instead). Throws MerkleParameterError on a
 * bad leaf size or index.
 */
export function merkleProof (shard: Uint8Array, leafSize: number, leafIndex: number, options: MerkleOptions = {}): Uint8Array[] {
  checkLeafSize(leafSize)
  checkLeafIndex(leafIndex, leafCountOf(shard.length, leafSize))
  return MerkleTree.fromShard(shard, leafSize, options).proof(leafIndex)
}

function isValidItem (item: MerkleProofItem, leafCount: number): boolean {
  if (typeof item !== 'object' || item === null || !(item.leaf instanceof Uint8Array) || !Array.isArray(item.path)) return false
  const i = item.leafIndex
  if (!Number.isSafeInteger(i) || i < 0 || i >= leafCount) return false
  if (item.path.length !== auditPathLength(i, leafCount)) return false
  return item.path.every(p => p instanceof Uint8Array && p.length === HASH_BYTES)
}

/**
 * Checks each proof against `root` for a tree of `leafCount` leaves: result[k] is true when
 * items[k].leaf at items[k].leafIndex with items[k].path leads to `root` (RFC 6962 inclusion
 * proof). A wrong leaf, index or root, a path of the wrong length or with a hash that is not
 * 32 bytes gives false, never a throw. The root does not commit to the leaf count (nor does
 * RFC 6962's): a proof may also pass for another count whose tree has the same shape along
 * that leaf's path, so take leafCount from a trusted source (the shard size in the manifest).
 * The proofs are checked together, level by level, with one sha256Batch call per level.
 */
export function verifyMerkleProofs (root: Uint8Array, leafCount: number, items: readonly MerkleProofItem[], options: MerkleOptions = {}): boolean[] {
  const n = items.length
  const results = new Array<boolean>(n).fill(false)
  if (!(root instanceof Uint8Array) || root.length !== HASH_BYTES || !Number.isSafeInteger(leafCount) || leafCount < 1) return results
  const hash = hashBackend(options.backend).sha256Batch
  // work: n running hashes (acc k at 32k), then n 64-byte (left, right) pairs (pair k at pairs + 64k)
  const pairs = HASH_BYTES * n
  const work = scratch(3 * HASH_BYTES * n)
  const allPairs = work.subarray(pairs, 3 * pairs)
  const words = new Int32Array(work.buffer, work.byteOffset, work.length >> 2) // acc copies, 8 words each
  const index: number[] = []
  const used: number[] = []
  const live: boolean[] = []
  for (let k = 0; k < n; k++) {
    const item = items[k]
    live.push(isValidItem(item, leafCount))
    index.push(live[k] ? item.leafIndex : 0)
    used.push(0)
    if (live[k]) hashLeafInto(hash, item.leaf, work, HASH_BYTES * k)
  }

  for (let last = leafCount - 1; last > 0; last = Math.floor(last / 2)) {
    let run = -1 // first item of the current run of items hashing at this level
    for (let k = 0; k <= n; k++) {
      const j = k < n ? index[k] : 0
      if (k < n && live[k] && (j % 2 === 1 || j < last)) {
        const sibling = items[k].path[used[k]++]
        const at = pairs + 2 * HASH_BYTES * k
        const odd = j % 2 === 1
        work.set(sibling, odd ? at : at + HASH_BYTES)
        const to = (odd ? at + HASH_BYTES : at) >> 2
        const from = 8 * k
        for (let w = 0; w < 8; w++) words[to + w] = words[from + w]
        if (run < 0) run = k
      } else if (run >= 0) {
        if (run === 0 && k === n) hash(allPairs, 2 * HASH_BYTES, NODE_PREFIX, work)
        else hash(work.subarray(pairs + 2 * HASH_BYTES * run, pairs + 2 * HASH_BYTES * k), 2 * HASH_BYTES, NODE_PREFIX, work.subarray(HASH_BYTES * run, HASH_BYTES * k))
        run = -1
      }
      if (k < n) index[k] = Math.floor(j / 2)
    }
  }

  for (let k = 0; k < n; k++) {
    if (!live[k]) continue
    let same = true
    for (let b = 0; b < HASH_BYTES; b++) if (work[HASH_BYTES * k + b] !== root[b]) { same = false; break }
    results[k] = same
  }
  return results
}

let scratchBuffer = new Uint8Array(3 * HASH_BYTES * 16)

/** A reused work buffer of at least `size` bytes (verification is synchronous, so one per thread). */
function scratch (size: number): Uint8Array {
  if (scratchBuffer.length < size) scratchBuffer = new Uint8Array(size)
  return scratchBuffer.length === size ? scratchBuffer : scratchBuffer.subarray(0, size)
}

/**
 * True when `leafBytes` is leaf `leafIndex` of the tree of `leafCount` leaves whose root is
 * `root`, by the audit path `path` (RFC 6962 inclusion proof; see verifyMerkleProofs).
 */
export function verifyMerkleProof (root: Uint8Array, leafIndex: number, leafCount: number, leafBytes: Uint8Array, path: readonly Uint8Array[], options: MerkleOptions = {}): boolean {
  return verifyMerkleProofs(root, leafCount, [{ leafIndex, leaf: leafBytes, path }], options)[0]
}
