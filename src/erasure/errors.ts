/**
 * Errors thrown by the erasure codec. `name` and `code` are stable (set explicitly, so
 * minification cannot change them); match on them, not on messages.
 */
export type ErasureErrorCode =
  | 'ERASURE_BAD_PARAMETERS'
  | 'ERASURE_TOO_FEW_PIECES'
  | 'ERASURE_UNEQUAL_SIZES'
  | 'ERASURE_EMPTY_INPUT'
  | 'ERASURE_NATIVE_UNAVAILABLE'

/** Base class of every error the codec throws on purpose. */
export class ErasureError extends Error {
  static override name = 'ErasureError'
  readonly code: ErasureErrorCode

  constructor (code: ErasureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ErasureError'
    this.code = code
  }
}

/** Bad k/m, wrong array lengths, non-Uint8Array pieces, bad indices, overlapping buffers. */
export class ErasureParameterError extends ErasureError {
  static override name = 'ErasureParameterError'
  constructor (message: string) {
    super('ERASURE_BAD_PARAMETERS', message)
    this.name = 'ErasureParameterError'
  }
}

/** reconstruct() was given fewer than k present pieces. */
export class TooFewPiecesError extends ErasureError {
  static override name = 'TooFewPiecesError'
  readonly present: number
  readonly needed: number
  constructor (present: number, needed: number) {
    super('ERASURE_TOO_FEW_PIECES', `need at least ${needed} present pieces, got ${present}`)
    this.name = 'TooFewPiecesError'
    this.present = present
    this.needed = needed
  }
}

/** Pieces (data, parity, present or output buffers) differ in byte length. */
export class UnequalPieceSizesError extends ErasureError {
  static override name = 'UnequalPieceSizesError'
  constructor (message: string) {
    super('ERASURE_UNEQUAL_SIZES', message)
    this.name = 'UnequalPieceSizesError'
  }
}

/** Pieces are zero bytes long: there is nothing to encode or reconstruct. */
export class EmptyInputError extends ErasureError {
  static override name = 'EmptyInputError'
  constructor () {
    super('ERASURE_EMPTY_INPUT', 'pieces are empty (0 bytes); erasure coding needs at least 1 byte per piece')
    this.name = 'EmptyInputError'
  }
}

/** The native addon was required (BTFS_TS_ERASURE=native) but cannot be loaded. */
export class NativeUnavailableError extends ErasureError {
  static override name = 'NativeUnavailableError'
  constructor (reason: string, cause?: unknown) {
    super('ERASURE_NATIVE_UNAVAILABLE', `native erasure addon unavailable: ${reason}`, { cause })
    this.name = 'NativeUnavailableError'
  }
}
