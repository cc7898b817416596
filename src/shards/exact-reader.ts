import { AppError } from '../errors/index.js'

/**
 * Reads exact byte counts from a stream of chunks of any size, passing the bytes on in place
 * (no copy) and keeping the rest of a chunk for the next read.
 */
export class ExactReader {
  readonly #it: AsyncIterator<Uint8Array>
  #carry: Uint8Array | undefined

  constructor (source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]()
  }

  /** Passes exactly `n` bytes to `onBytes`; fails if the stream ends first. */
  async read (n: number, onBytes: (bytes: Uint8Array) => void): Promise<void> {
    let left = n
    while (left > 0) {
      let chunk = this.#carry
      this.#carry = undefined
      if (chunk === undefined) {
        const next = await this.#it.next()
        if (next.done === true) throw new AppError('INTERNAL', `the file ended ${left} bytes early`)
        chunk = next.value
      }
      if (chunk.length > left) {
        this.#carry = chunk.subarray(left)
        chunk = chunk.subarray(0, left)
      }
      onBytes(chunk)
      left -= chunk.length
    }
  }

  /** Fails if any byte is left. */
  async end (): Promise<void> {
    if (this.#carry !== undefined && this.#carry.length > 0) throw new AppError('INTERNAL', 'the file is longer than its size says')
    for (;;) {
      const next = await this.#it.next()
      if (next.done === true) return
      if (next.value.length > 0) throw new AppError('INTERNAL', 'the file is longer than its size says')
    }
  }

  /** Stops the underlying stream early. */
  async close (): Promise<void> {
    await this.#it.return?.()
  }
}
