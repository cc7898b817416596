/** Single leaf and node hashes (rfc6962.ts), for callers that hold hashes rather than a tree. */
import { hashBackend } from './backend.js'
import { MerkleParameterError } from './errors.js'
import { HASH_BYTES, NODE_PREFIX, hashLeafInto } from './rfc6962.js'
import type { MerkleOptions } from './interface.js'

/** SHA-256(0x00 || leaf): the hash of one leaf (any length). */
export function leafHash (leaf: Uint8Array, options: MerkleOptions = {}): Uint8Array {
  if (!(leaf instanceof Uint8Array)) throw new MerkleParameterError('leaf must be a Uint8Array')
  const out = new Uint8Array(HASH_BYTES)
  hashLeafInto(hashBackend(options.backend).sha256Batch, leaf, out)
  return out
}

/** SHA-256(0x01 || left || right): the parent of two 32-byte hashes. */
export function nodeHash (left: Uint8Array, right: Uint8Array, options: MerkleOptions = {}): Uint8Array {
  if (!(left instanceof Uint8Array) || !(right instanceof Uint8Array) || left.length !== HASH_BYTES || right.length !== HASH_BYTES) {
    throw new MerkleParameterError('left and right must be 32-byte Uint8Arrays')
  }
  const pair = new Uint8Array(2 * HASH_BYTES)
  pair.set(left)
  pair.set(right, HASH_BYTES)
  const out = new Uint8Array(HASH_BYTES)
  hashBackend(options.backend).sha256Batch(pair, 2 * HASH_BYTES, NODE_PREFIX, out)
  return out
}
