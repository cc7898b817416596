import { Readable } from 'node:stream'
import type { PiecePool } from './piece-pool.js'
import type { OpenedFile, ReadRange } from './reader.js'

/** The abort reason of a stream destroyed without an error (one object: no stack built per stream). */
const streamDestroyed = new Error('file stream destroyed')

/** What `pipe` writes into: a Node writable with per-write callbacks (an http response, a socket). */
interface Destination {
  write: (chunk: Uint8Array, callback: (err?: Error | null) => void) => boolean
  end: () => unknown
  destroyed: boolean
  socket?: { destroyed: boolean } | null
  once: (event: string, listener: (...args: unknown[]) => void) => unknown
  removeListener: (event: string, listener: (...args: unknown[]) => void) => unknown
}

/**
 * A Readable of bytes [offset, offset + length) of a file, for HTTP responses. Piped (what
 * Fastify does with a stream payload), it writes into its destination itself, from pieces lent
 * by `pool`, and gives each piece back when the write's callback says the bytes have left for
 * the kernel: memory is reused instead of allocated per chunk (see PiecePool for why that is
 * worth it). Pipes honour backpressure (`drain`) and stop when the destination goes away.
 * Consumed any other way (`read`, `for await`), it is a plain stream of fresh chunks.
 */
export function fileStream (file: OpenedFile, range: ReadRange, pool: PiecePool): Readable {
  return new LendingFileStream(file, range, pool)
}

class LendingFileStream extends Readable {
  readonly #file: OpenedFile
  readonly #range: ReadRange
  readonly #pool: PiecePool
  readonly #abort = new AbortController()
  #mode: 'idle' | 'read' | 'pipe' = 'idle'
  #plain: AsyncGenerator<Uint8Array> | undefined

  constructor (file: OpenedFile, range: ReadRange, pool: PiecePool) {
    super({ objectMode: true, highWaterMark: 2 })
    this.#file = file
    this.#range = range
    this.#pool = pool
  }

  override pipe<T extends NodeJS.WritableStream> (destination: T, options?: { end?: boolean }): T {
    if (this.#mode !== 'idle') return super.pipe(destination, options)
    this.#mode = 'pipe'
    void this.#pump(destination as unknown as Destination, options?.end !== false)
    return destination
  }

  override _read (): void {
    if (this.#mode === 'pipe') return
    this.#mode = 'read'
    this.#plain ??= this.#file.read({ ...this.#range, signal: this.#abort.signal })
    this.#plain.next().then(({ value, done }) => { this.push(done === true ? null : value) }, err => { this.destroy(err as Error) })
  }

  override _destroy (err: Error | null, callback: (error?: Error | null) => void): void {
    this.#abort.abort(err ?? streamDestroyed)
    void this.#plain?.return(undefined).catch(() => {})
    callback(err)
  }

  async #pump (dest: Destination, end: boolean): Promise<void> {
    const pool = this.#pool
    const chunks = this.#file.read({ ...this.#range, pool, signal: this.#abort.signal })
    try {
      for await (const chunk of chunks) {
        // a write to a socket already gone is dropped without its callback: keep the piece
        if (this.destroyed || dest.destroyed || dest.socket?.destroyed === true) { pool.give(chunk); break }
        const flowing = dest.write(chunk, () => { pool.give(chunk) })
        if (!flowing && !(await this.#drained(dest))) break
      }
      if (this.destroyed) return
      if (end && !dest.destroyed) dest.end()
      // tell whoever watches this stream (Fastify does) that it is done
      this.push(null)
      this.resume()
    } catch (err) {
      this.destroy(err as Error)
    } finally {
      await chunks.return(undefined).catch(() => {})
    }
  }

  /** Resolves true on `drain`, false when the destination or this stream is gone first. */
  async #drained (dest: Destination): Promise<boolean> {
    // plain listeners: this runs on every full socket buffer, where abortable `once` would
    // build an AbortError (with its stack) each time
    await new Promise<void>(resolve => {
      const done = (): void => {
        dest.removeListener('drain', done)
        dest.removeListener('close', done)
        dest.removeListener('error', done)
        this.removeListener('close', done)
        resolve()
      }
      dest.once('drain', done)
      dest.once('close', done)
      dest.once('error', done)
      this.once('close', done)
    })
    return !this.destroyed && !dest.destroyed
  }
}
