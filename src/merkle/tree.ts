/** A whole Merkle tree kept in memory, for a host answering many storage challenges. */
import { hashBackend } from './backend.js'
import { MerkleParameterError } from './errors.js'
import {
  HASH_BYTES, NODE_PREFIX, checkLeafIndex, checkLeafSize, emptyRoot, hashLeafInto, hashLeavesInto, leafCountOf
} from './rfc6962.js'
import type { MerkleOptions, Sha256Batch } from './interface.js'

/** Options of MerkleTree's constructors. */
export interface MerkleTreeOptions extends MerkleOptions {
  /**
   * Keep the leaf hashes (default true): 2n − 1 hashes in all, ~64 bytes per leaf. With false
   * only the levels above them are kept, ~32 bytes per leaf, and proof(i) needs the bytes of
   * the sibling leaf i ^ 1 (a host reads the aligned pair of leaves in one read).
   */
  keepLeafHashes?: boolean
}

const MAGIC = 0x31544d42 // "BMT1" read as little-endian u32
const HEADER_BYTES = 16
const FLAG_LEAF_HASHES = 1

/** Node counts per level, leaves first, up to the single root (empty for n = 0). */
function levelSizes (leafCount: number): number[] {
  const sizes: number[] = []
  for (let len = leafCount; len > 0; len = Math.ceil(len / 2)) {
    sizes.push(len)
    if (len === 1) break
  }
  return sizes
}

/**
 * Levels of an RFC 6962 tree (rfc6962.ts) stored in one buffer, from the leaf hashes (or the
 * level above them) up to the root: level h holds ceil(n / 2^h) hashes; a level's odd last node
 * is carried up unchanged. Built with one sha256Batch call per level. Immutable once built.
 */
export class MerkleTree {
  /** Number of leaves (n). */
  readonly leafCount: number
  /** True when the leaf hashes are kept (see MerkleTreeOptions.keepLeafHashes). */
  readonly leafHashesKept: boolean
  readonly #store: Uint8Array
  /** Byte offset of each stored level in #store, indexed by level (undefined below the lowest kept). */
  readonly #offsets: number[]
  readonly #hash: Sha256Batch

  private constructor (leafCount: number, lowest: number, store: Uint8Array, hash: Sha256Batch) {
    this.leafCount = leafCount
    this.leafHashesKept = lowest === 0
    this.#store = store
    this.#hash = hash
    this.#offsets = []
    let at = 0
    levelSizes(leafCount).forEach((size, h) => {
      if (h < lowest) return
      this.#offsets[h] = at
      at += size * HASH_BYTES
    })
    if (at !== store.length) throw new MerkleParameterError(`a tree of ${leafCount} leaves needs ${at} bytes of hashes, got ${store.length}`)
  }

  /** The tree over `leafHashes` (32 bytes per leaf, copied). Throws MerkleParameterError on a bad length. */
  static fromLeafHashes (leafHashes: Uint8Array, options: MerkleTreeOptions = {}): MerkleTree {
    if (!(leafHashes instanceof Uint8Array) || leafHashes.length % HASH_BYTES !== 0) {
      throw new MerkleParameterError('leafHashes must be a Uint8Array of 32 bytes per leaf')
    }
    const hash = hashBackend(options.backend).sha256Batch
    const sizes = levelSizes(leafHashes.length / HASH_BYTES)
    const lowest = options.keepLeafHashes === false && sizes.length > 1 ? 1 : 0
    let total = 0
    for (let h = lowest; h < sizes.length; h++) total += sizes[h] * HASH_BYTES
    const store = new Uint8Array(total)
    let below = leafHashes
    let at = 0
    if (lowest === 0) {
      store.set(leafHashes)
      below = store.subarray(0, leafHashes.length)
      at = leafHashes.length
    }
    for (let h = 1; h < sizes.length; h++) {
      const len = sizes[h - 1]
      const pairs = Math.floor(len / 2)
      const level = store.subarray(at, at + sizes[h] * HASH_BYTES)
      hash(below.subarray(0, pairs * 2 * HASH_BYTES), 2 * HASH_BYTES, NODE_PREFIX, level)
      if (len % 2 === 1) level.set(below.subarray((len - 1) * HASH_BYTES), pairs * HASH_BYTES)
      below = level
      at += level.length
    }
    return new MerkleTree(sizes[0] ?? 0, lowest, store, hash)
  }

  /** The tree of `bytes` cut into `leafSize`-byte leaves (hashed synchronously, ~1.6 GB/s native). */
  static fromShard (bytes: Uint8Array, leafSize: number, options: MerkleTreeOptions = {}): MerkleTree {
    checkLeafSize(leafSize)
    const hashes = new Uint8Array(leafCountOf(bytes.length, leafSize) * HASH_BYTES)
    hashLeavesInto(hashBackend(options.backend).sha256Batch, bytes, leafSize, hashes)
    return MerkleTree.fromLeafHashes(hashes, options)
  }

  /**
   * A tree saved by serialize(). The hashes are trusted as they are: compare `root` with the
   * root you expect. Throws MerkleParameterError on a bad header or length.
   */
  static deserialize (bytes: Uint8Array, options: MerkleOptions = {}): MerkleTree {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (bytes.length < HEADER_BYTES || view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) > FLAG_LEAF_HASHES) {
      throw new MerkleParameterError('not a serialized MerkleTree (bad header)')
    }
    const leafCount = Number(view.getBigUint64(8, true))
    if (!Number.isSafeInteger(leafCount)) throw new MerkleParameterError('serialized MerkleTree: leaf count too large')
    const lowest = (view.getUint32(4, true) & FLAG_LEAF_HASHES) === 0 && levelSizes(leafCount).length > 1 ? 1 : 0
    return new MerkleTree(leafCount, lowest, bytes.slice(HEADER_BYTES), hashBackend(options.backend).sha256Batch)
  }

  /** The 32-byte root (emptyRoot() for no leaves); a new copy each call. */
  get root (): Uint8Array {
    if (this.leafCount === 0) return emptyRoot()
    return this.#store.slice(this.#store.length - HASH_BYTES)
  }

  /** Bytes of hashes held: ~64 per leaf with the leaf hashes, ~32 without. */
  get byteLength (): number {
    return this.#store.length
  }

  /** The leaf hash of leaf i (needs leafHashesKept). Throws MerkleParameterError otherwise or on a bad index. */
  leafHash (i: number): Uint8Array {
    checkLeafIndex(i, this.leafCount)
    if (!this.leafHashesKept) throw new MerkleParameterError('this tree does not keep its leaf hashes')
    return this.#node(0, i)
  }

  /**
   * Audit path of leaf i (RFC 6962 PATH): sibling hashes from the leaf's level up, skipping
   * levels where the node has no sibling; ceil(log2 n) hashes at most. When the leaf hashes
   * are not kept and leaf i has a sibling, `siblingLeaf` must hold the bytes of leaf i ^ 1 (not
   * checked here: a wrong one yields a path that fails verification). Throws
   * MerkleParameterError on a bad index or a missing siblingLeaf.
   */
  proof (i: number, siblingLeaf?: Uint8Array): Uint8Array[] {
    checkLeafIndex(i, this.leafCount)
    const path: Uint8Array[] = []
    let j = i
    let last = this.leafCount - 1
    for (let h = 0; last > 0; h++) {
      const sib = j % 2 === 1 ? j - 1 : j < last ? j + 1 : -1
      if (sib >= 0) {
        if (this.#offsets[h] !== undefined) {
          path.push(this.#node(h, sib))
        } else {
          if (!(siblingLeaf instanceof Uint8Array)) {
            throw new MerkleParameterError(`this tree does not keep its leaf hashes: proof(${i}) needs the bytes of leaf ${sib}`)
          }
          const leafHash = new Uint8Array(HASH_BYTES)
          hashLeafInto(this.#hash, siblingLeaf, leafHash)
          path.push(leafHash)
        }
      }
      j = Math.floor(j / 2)
      last = Math.floor(last / 2)
    }
    return path
  }

  /** The stored levels with a 16-byte header ("BMT1", flags, leaf count), for MerkleTree.deserialize. */
  serialize (): Uint8Array {
    const out = new Uint8Array(HEADER_BYTES + this.#store.length)
    const view = new DataView(out.buffer)
    view.setUint32(0, MAGIC, true)
    view.setUint32(4, this.leafHashesKept ? FLAG_LEAF_HASHES : 0, true)
    view.setBigUint64(8, BigInt(this.leafCount), true)
    out.set(this.#store, HEADER_BYTES)
    return out
  }

  #node (level: number, index: number): Uint8Array {
    const at = (this.#offsets[level] as number) + index * HASH_BYTES
    return this.#store.slice(at, at + HASH_BYTES)
  }
}
