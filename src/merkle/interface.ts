/** Public types of the Merkle code. */

/**
 * Hashes the floor(input.length / stride) consecutive `stride`-byte messages of `input`, each
 * preceded by the byte `prefix` when 0 <= prefix <= 255 (-1: no prefix), and writes the 32-byte
 * SHA-256 digests one after another into `out` (at least 32 bytes per message). Trailing bytes
 * of `input` past the last whole message are ignored. `out` may overlap `input` only when it
 * starts at or before it and stride >= 32 (in-place level reduction). Throws on bad arguments.
 */
export type Sha256Batch = (input: Uint8Array, stride: number, prefix: number, out: Uint8Array) => void

/** Which SHA-256 implementation to use: "auto" (native if available, else js), "native", "js". */
export type HashBackendMode = 'auto' | 'native' | 'js'

/** A SHA-256 batch implementation. */
export interface HashBackend {
  /** "native": OpenSSL's SHA-256 through the addon; "js": node:crypto, one call per message. */
  readonly kind: 'native' | 'js'
  readonly sha256Batch: Sha256Batch
  /** Why "auto" fell back to js (missing addon, no OpenSSL symbols, forced), if it did. */
  readonly fallbackReason?: string
}

/** Options shared by the builders, trees and verifiers. */
export interface MerkleOptions {
  /** SHA-256 backend; default: env BTFS_TS_MERKLE (auto|native|js), else "auto". */
  backend?: HashBackendMode
}

/** One challenged leaf, as a host answers it and a renter checks it. */
export interface MerkleProofItem {
  /** Index of the leaf in the shard (0-based). */
  leafIndex: number
  /** The leaf's bytes (leafSize bytes, or fewer for the last leaf). */
  leaf: Uint8Array
  /** Audit path: sibling hashes (32 bytes each), from the leaf's level up to the root's children. */
  path: readonly Uint8Array[]
}
