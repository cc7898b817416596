/**
 * The tree definition (RFC 6962 §2.1, kept in RFC 9162 §2.1.1), over a byte string cut into
 * `leafSize`-byte leaves (the last one may be shorter; n bytes make ceil(n / leafSize) leaves):
 *
 *   leaf hash  = SHA-256(0x00 || leaf)
 *   node hash  = SHA-256(0x01 || left || right)
 *   root(n)    = for n > 1: node hash of root(first k leaves), root(remaining n − k leaves),
 *                where k is the largest power of two smaller than n; root(1) = the leaf hash
 *   root(0)    = SHA-256 of the empty string (e3b0c442…b855), as RFC 6962 defines it
 *
 * Level by level this is the same as: pair neighbours left to right, and carry a level's odd
 * last node up unchanged (no hash). Level h node j covers leaves [j·2^h, min((j+1)·2^h, n)).
 */
import { MerkleParameterError } from './errors.js'
import type { Sha256Batch } from './interface.js'

/** Domain-separation prefix of leaf hashes. */
export const LEAF_PREFIX = 0
/** Domain-separation prefix of interior node hashes. */
export const NODE_PREFIX = 1
/** Bytes per hash. */
export const HASH_BYTES = 32
/** Largest leaf size accepted (the builder keeps one leaf in memory). */
export const MAX_LEAF_SIZE = 1 << 30

/** Hex of emptyRoot(). */
export const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/** The root of a tree with no leaves (an empty shard): SHA-256(""), a new copy each call. */
export function emptyRoot (): Uint8Array {
  return Uint8Array.from(Buffer.from(EMPTY_ROOT_HEX, 'hex'))
}

/** Throws MerkleParameterError unless leafSize is an integer in 1..MAX_LEAF_SIZE. */
export function checkLeafSize (leafSize: number): void {
  if (!Number.isInteger(leafSize) || leafSize < 1 || leafSize > MAX_LEAF_SIZE) {
    throw new MerkleParameterError(`leafSize must be an integer in 1..${MAX_LEAF_SIZE}, got ${leafSize}`)
  }
}

/** Number of leaves of `byteLength` bytes cut into `leafSize`-byte leaves: ceil(byteLength / leafSize). */
export function leafCountOf (byteLength: number, leafSize: number): number {
  return Math.ceil(byteLength / leafSize)
}

/** Throws MerkleParameterError unless 0 <= leafIndex < leafCount (integers). */
export function checkLeafIndex (leafIndex: number, leafCount: number): void {
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafCount) {
    throw new MerkleParameterError(`leaf index ${leafIndex} out of range (the tree has ${leafCount} leaves)`)
  }
}

/** Writes the leaf hash of `leaf` (any length, even 0) into out[at..at+32). */
export function hashLeafInto (batch: Sha256Batch, leaf: Uint8Array, out: Uint8Array, at = 0): void {
  const dst = out.subarray(at, at + HASH_BYTES)
  if (leaf.length > 0) batch(leaf, leaf.length, LEAF_PREFIX, dst)
  else batch(Uint8Array.of(LEAF_PREFIX), 1, -1, dst)
}

/** Fills the 32·n-byte `out` with the leaf hashes of `bytes` cut into `leafSize`-byte leaves. */
export function hashLeavesInto (batch: Sha256Batch, bytes: Uint8Array, leafSize: number, out: Uint8Array): void {
  const full = Math.floor(bytes.length / leafSize)
  if (full > 0) batch(bytes, leafSize, LEAF_PREFIX, out)
  if (bytes.length > full * leafSize) hashLeafInto(batch, bytes.subarray(full * leafSize), out, full * HASH_BYTES)
}
