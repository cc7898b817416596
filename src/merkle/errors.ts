/**
 * Errors thrown by the Merkle code. `name` and `code` are stable (set explicitly, so
 * minification cannot change them); match on them, not on messages.
 */
export type MerkleErrorCode = 'MERKLE_BAD_PARAMETERS' | 'MERKLE_FINISHED' | 'MERKLE_NATIVE_UNAVAILABLE'

/** Base class of every error the Merkle code throws on purpose. */
export class MerkleError extends Error {
  static override name = 'MerkleError'
  readonly code: MerkleErrorCode

  constructor (code: MerkleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MerkleError'
    this.code = code
  }
}

/** A bad leaf size, leaf index, buffer, backend name or serialized tree. */
export class MerkleParameterError extends MerkleError {
  static override name = 'MerkleParameterError'
  constructor (message: string) {
    super('MERKLE_BAD_PARAMETERS', message)
    this.name = 'MerkleParameterError'
  }
}

/** update() after root(): a MerkleBuilder is single-use. */
export class MerkleFinishedError extends MerkleError {
  static override name = 'MerkleFinishedError'
  constructor () {
    super('MERKLE_FINISHED', 'this MerkleBuilder already returned its root')
    this.name = 'MerkleFinishedError'
  }
}

/** Backend "native" was required but the addon (or its sha256Batch) is not available. */
export class HashNativeUnavailableError extends MerkleError {
  static override name = 'HashNativeUnavailableError'
  constructor (reason: string, cause?: unknown) {
    super('MERKLE_NATIVE_UNAVAILABLE', `native SHA-256 batches unavailable: ${reason}`, { cause })
    this.name = 'HashNativeUnavailableError'
  }
}
