/** Public interfaces of the erasure codec. */

/**
 * A systematic Reed-Solomon code with k data and m parity pieces over GF(2^8), parity
 * byte-identical to klauspost/reedsolomon (default options). Pieces are equal-length
 * Uint8Arrays; all work is synchronous on the calling thread, directly on the caller's
 * memory. Outputs must not overlap inputs (ErasureParameterError).
 */
export interface ErasureCodec {
  /** Backend and kernel, e.g. "native/gfni512" or "portable/js". */
  readonly name: string
  readonly dataPieces: number
  readonly parityPieces: number
  readonly totalPieces: number

  /**
   * Fills parity[0..m) from data[0..k). Throws ErasureParameterError on wrong counts or
   * non-Uint8Array pieces, UnequalPieceSizesError if lengths differ, EmptyInputError if
   * they are 0 bytes long. With m = 0 it only validates.
   */
  encode(data: readonly Uint8Array[], parity: readonly Uint8Array[]): void

  /**
   * Recomputes missing pieces from any k present ones. pieces has k+m entries; present[i]
   * says whether pieces[i] holds valid data. Fills every missing piece listed in
   * wantIndices (default: all missing pieces): a missing entry that is a Uint8Array of the
   * right length is written in place, an undefined one is replaced by a new Uint8Array.
   * present is not modified. Throws TooFewPiecesError with fewer than k present pieces,
   * plus the errors of encode().
   */
  reconstruct(pieces: Array<Uint8Array | undefined>, present: readonly boolean[], wantIndices?: readonly number[]): void

  /** True if the m parity pieces match the k data pieces (k+m pieces, all present). */
  verify(pieces: readonly Uint8Array[]): boolean
}

/** A codec factory bound to one implementation. */
export interface ErasureBackend {
  /** "native" (C++ addon) or "portable" (TypeScript). */
  readonly kind: 'native' | 'portable'
  /** Kernel picked: a SIMD level name for native ("gfni512", "avx2", ...), "js" for portable. */
  readonly simd: string
  /** Why native is not used, when kind is "portable". */
  readonly fallbackReason?: string
  /** New codec for k data and m parity pieces (k >= 1, m >= 0, k + m <= 256). */
  createCodec(k: number, m: number): ErasureCodec
}

/**
 * The one operation an implementation provides: outputs[r] = Σ_c coeffs[r][c]·inputs[c].
 * prepare() turns a row-major rows×cols matrix into whatever the kernel reads (cached by
 * the codec); apply() gets rows outputs and cols inputs, all the same non-zero length.
 */
export interface GfKernel<P = unknown> {
  readonly name: string
  prepare(coeffs: Uint8Array, rows: number, cols: number): P
  apply(prepared: P, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[]): void
}
