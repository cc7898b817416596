/** What a pool holds. */
export interface PiecePoolStats {
  pieceBytes: number
  pieces: number
  /** Pieces lent out now (given by `take`, not yet back). */
  lent: number
  /** `take` calls served with fresh memory because every piece was lent. */
  misses: number
}

/**
 * Fixed-size buffers for streaming file content, made once (one slab, allocated on first use)
 * and lent out again and again.
 *
 * Why: serving a file from fresh buffers allocates as many bytes as it sends. On a daemon whose
 * heap holds libp2p, Fastify and the rest, every ~64 MiB of new ArrayBuffers makes V8 run a full
 * mark-compact of that heap (it counts buffer memory against a limit), so under bench:load more
 * than a third of the daemon's CPU went to GC and 4 MiB downloads cost twice what a plain
 * node:http server spends. Lent pieces allocate nothing.
 *
 * A piece may be reused only once nothing refers to it any more: whoever got it from `take`
 * gives it back (`give`) when its bytes have been handed to the kernel (a socket write's
 * callback) or dropped. When every piece is lent, `take` returns fresh memory (never pooled), so
 * a pool that runs dry, or a piece that is never given back, costs speed, never correctness.
 */
export class PiecePool {
  readonly pieceBytes: number
  readonly #count: number
  #slab: Uint8Array | undefined
  #free: number[] = []
  #lent: Uint8Array
  #lentCount = 0
  #misses = 0

  constructor (pieceBytes: number, maxBytes: number) {
    if (!Number.isSafeInteger(pieceBytes) || pieceBytes < 1) throw new RangeError(`pieceBytes must be a positive integer, got ${pieceBytes}`)
    this.pieceBytes = pieceBytes
    this.#count = Math.max(0, Math.floor(maxBytes / pieceBytes))
    this.#lent = new Uint8Array(this.#count)
    for (let i = this.#count - 1; i >= 0; i--) this.#free.push(i)
  }

  /** A buffer of `length` (≤ pieceBytes) bytes, lent from the pool or, when it is dry, fresh. */
  take (length: number): Uint8Array {
    if (length > this.pieceBytes) throw new RangeError(`a piece holds at most ${this.pieceBytes} bytes, asked for ${length}`)
    const piece = this.#free.pop()
    if (piece === undefined) {
      this.#misses++
      return Buffer.allocUnsafe(length)
    }
    this.#slab ??= Buffer.allocUnsafeSlow(this.#count * this.pieceBytes)
    this.#lent[piece] = 1
    this.#lentCount++
    return this.#slab.subarray(piece * this.pieceBytes, piece * this.pieceBytes + length)
  }

  /**
   * Takes back the piece `chunk` is a view of (any part of it). Memory that is not from this
   * pool, and a piece already given back, are ignored.
   */
  give (chunk: Uint8Array): void {
    const slab = this.#slab
    if (slab === undefined || chunk.buffer !== slab.buffer) return
    const piece = Math.floor((chunk.byteOffset - slab.byteOffset) / this.pieceBytes)
    if (piece < 0 || piece >= this.#count || this.#lent[piece] !== 1) return
    this.#lent[piece] = 0
    this.#lentCount--
    this.#free.push(piece)
  }

  stats (): PiecePoolStats {
    return { pieceBytes: this.pieceBytes, pieces: this.#count, lent: this.#lentCount, misses: this.#misses }
  }
}
