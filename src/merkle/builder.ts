/** Streaming Merkle root of a byte stream (see rfc6962.ts for the tree). */
import { hashBackend } from './backend.js'
import { MerkleFinishedError, MerkleParameterError } from './errors.js'
import { HASH_BYTES, LEAF_PREFIX, NODE_PREFIX, checkLeafSize, emptyRoot, hashLeafInto, leafCountOf } from './rfc6962.js'
import { MerkleTree, type MerkleTreeOptions } from './tree.js'
import type { MerkleOptions, Sha256Batch } from './interface.js'

/** Leaves hashed per native call: up to 1 MiB of input, at most 1024 leaves. */
const BATCH_BYTES = 1 << 20
const MAX_BATCH_LEAVES = 1024
/** Levels of the pending stack: enough for 2^64 leaves. */
const MAX_LEVELS = 64

/** Options of MerkleBuilder. */
export interface MerkleBuilderOptions extends MerkleOptions {
  /** Also keep every leaf hash (32 bytes per leaf) so tree() can build the full MerkleTree. */
  keepLeafHashes?: boolean
}

/**
 * Computes the RFC 6962 root of a byte stream fed in chunks of any size: leaves are
 * consecutive `leafSize`-byte slices of the whole stream, whatever the chunk boundaries.
 * Memory: one leaf, one batch of leaf hashes (≤ 32 KiB) and one pending hash per tree level
 * (O(log n)); with keepLeafHashes, 32 bytes more per leaf. Full leaves are hashed in batches
 * and parents combined a level at a time, on the native sha256Batch when available.
 * Synchronous; single use: root() ends it.
 */
export class MerkleBuilder {
  /** Bytes per leaf. */
  readonly leafSize: number
  readonly #hash: Sha256Batch
  readonly #carry: Uint8Array
  #carryLength = 0
  #byteLength = 0
  readonly #batchLeaves: number
  /** Leaf hashes of the current batch, reduced in place level by level. */
  readonly #nodes: Uint8Array
  readonly #pair = new Uint8Array(2 * HASH_BYTES)
  /** pending[h]: the left node at level h still waiting for its right sibling. */
  readonly #pending = new Uint8Array(MAX_LEVELS * HASH_BYTES)
  readonly #hasPending: boolean[] = new Array<boolean>(MAX_LEVELS).fill(false)
  readonly #kept: Uint8Array[] | undefined
  #root: Uint8Array | undefined

  /** Throws MerkleParameterError on a bad leafSize or backend, HashNativeUnavailableError for an unusable "native". */
  constructor (leafSize: number, options: MerkleBuilderOptions = {}) {
    checkLeafSize(leafSize)
    this.leafSize = leafSize
    this.#hash = hashBackend(options.backend).sha256Batch
    this.#carry = new Uint8Array(leafSize)
    this.#batchLeaves = Math.max(1, Math.min(MAX_BATCH_LEAVES, Math.floor(BATCH_BYTES / leafSize)))
    this.#nodes = new Uint8Array(this.#batchLeaves * HASH_BYTES)
    this.#kept = options.keepLeafHashes === true ? [] : undefined
  }

  /** Bytes fed so far. */
  get byteLength (): number {
    return this.#byteLength
  }

  /** Leaves so far, counting a partial last leaf: ceil(byteLength / leafSize). */
  get leafCount (): number {
    return leafCountOf(this.#byteLength, this.leafSize)
  }

  /** Feeds the next bytes of the stream. Throws MerkleFinishedError after root(). */
  update (bytes: Uint8Array): this {
    if (this.#root !== undefined) throw new MerkleFinishedError()
    if (!(bytes instanceof Uint8Array)) throw new MerkleParameterError('update() takes a Uint8Array')
    const size = this.leafSize
    this.#byteLength += bytes.length
    let off = 0
    if (this.#carryLength > 0) {
      off = Math.min(size - this.#carryLength, bytes.length)
      this.#carry.set(bytes.subarray(0, off), this.#carryLength)
      this.#carryLength += off
      if (this.#carryLength < size) return this
      this.#hash(this.#carry, size, LEAF_PREFIX, this.#nodes)
      this.#carryLength = 0
      this.#addLeaves(1)
    }
    while (bytes.length - off >= size) {
      const k = Math.min(this.#batchLeaves, Math.floor((bytes.length - off) / size))
      this.#hash(bytes.subarray(off, off + k * size), size, LEAF_PREFIX, this.#nodes)
      off += k * size
      this.#addLeaves(k)
    }
    if (off < bytes.length) {
      this.#carry.set(bytes.subarray(off), 0)
      this.#carryLength = bytes.length - off
    }
    return this
  }

  /** The 32-byte root (emptyRoot() for an empty stream). Ends the stream; later calls return the same root. */
  root (): Uint8Array {
    if (this.#root !== undefined) return this.#root.slice()
    if (this.#carryLength > 0) {
      hashLeafInto(this.#hash, this.#carry.subarray(0, this.#carryLength), this.#nodes)
      this.#carryLength = 0
      this.#addLeaves(1)
    }
    // Pending nodes are the perfect subtrees of the binary decomposition of n, larger ones to the
    // left: fold them right to left (RFC 6962's split puts the largest power of two on the left).
    let acc: Uint8Array | undefined
    for (let h = 0; h < MAX_LEVELS; h++) {
      if (!this.#hasPending[h]) continue
      const node = this.#pending.subarray(h * HASH_BYTES, (h + 1) * HASH_BYTES)
      if (acc === undefined) {
        acc = node.slice()
      } else {
        this.#pair.set(node, 0)
        this.#pair.set(acc, HASH_BYTES)
        this.#hash(this.#pair, 2 * HASH_BYTES, NODE_PREFIX, acc)
      }
    }
    this.#root = acc ?? emptyRoot()
    return this.#root.slice()
  }

  /**
   * The full tree (for proofs); ends the stream like root(). Needs the option keepLeafHashes;
   * throws MerkleParameterError otherwise.
   */
  tree (options: MerkleTreeOptions = {}): MerkleTree {
    if (this.#kept === undefined) throw new MerkleParameterError('tree() needs new MerkleBuilder(leafSize, { keepLeafHashes: true })')
    this.root()
    return MerkleTree.fromLeafHashes(Buffer.concat(this.#kept), options)
  }

  /** Pushes the k leaf hashes at the start of #nodes into the tree, level by level, in place. */
  #addLeaves (k: number): void {
    if (this.#kept !== undefined) this.#kept.push(this.#nodes.slice(0, k * HASH_BYTES))
    const nodes = this.#nodes
    let m = k
    for (let h = 0; m > 0; h++) {
      let done = 0 // nodes of level h + 1 written at the start of `nodes`
      let next = 0 // first level-h node not yet consumed
      if (this.#hasPending[h]) {
        this.#pair.set(this.#pending.subarray(h * HASH_BYTES, (h + 1) * HASH_BYTES), 0)
        this.#pair.set(nodes.subarray(0, HASH_BYTES), HASH_BYTES)
        this.#hash(this.#pair, 2 * HASH_BYTES, NODE_PREFIX, nodes)
        this.#hasPending[h] = false
        done = 1
        next = 1
      }
      const pairs = (m - next) >> 1
      if ((m - next) % 2 === 1) {
        this.#pending.set(nodes.subarray((m - 1) * HASH_BYTES, m * HASH_BYTES), h * HASH_BYTES)
        this.#hasPending[h] = true
      }
      if (pairs > 0) {
        const input = nodes.subarray(next * HASH_BYTES, (next + 2 * pairs) * HASH_BYTES)
        this.#hash(input, 2 * HASH_BYTES, NODE_PREFIX, nodes.subarray(done * HASH_BYTES))
      }
      m = done + pairs
    }
  }
}

/** Root of `bytes` cut into `leafSize`-byte leaves (one-shot MerkleBuilder). */
export function merkleRoot (bytes: Uint8Array, leafSize: number, options: MerkleOptions = {}): Uint8Array {
  return new MerkleBuilder(leafSize, options).update(bytes).root()
}
