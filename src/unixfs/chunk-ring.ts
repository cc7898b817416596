import type { HashPool, SharedSlice } from './hash-pool.js'

/** What the ring knows about a chunk it produced. */
export interface RingChunkInfo {
  /** SHA-256 of the chunk, computed on a worker as soon as the chunk was cut. */
  digest: Promise<Uint8Array>
  /**
   * Gives the chunk's memory back to the pool (once its digest is computed). Call once the
   * block has been written or dropped; idempotent.
   */
  release: () => void
}

/** Sizing of a ring. */
export interface ChunkRingOptions {
  chunkSize: number
  /** Most chunks this ring holds at once; bounds the memory of one add to slots × chunkSize. */
  slots: number
  /**
   * Called when the producer waits for memory (its own limit, or the pool's arena is full), so
   * the consumer can flush what it holds. Also called when another user of the pool waits.
   */
  onStarved?: () => void
}

/**
 * Fixed-size chunking into shared memory leased from the HashPool's arena, for the add path.
 * The producer cuts the input into `chunkSize` pieces directly inside leased slices (the one
 * copy the importer's own chunker makes anyway), starts hashing each piece on the pool at once,
 * and runs ahead of the importer for as long as it may hold more — so a worker hashes chunk
 * n + k while the main thread handles chunk n. A chunk's memory goes back to the pool when the
 * writer has written its block, so an add holds only what it has in flight (a 1 MiB add: 4
 * chunks), and all adds together at most the arena; past that they wait.
 *
 * Every slice the ring leased is given back exactly once, whatever happens: written blocks by
 * the writer's release hook, chunks cut but never yielded when the consumer stops, chunks
 * yielded but never taken (`take`) by `close`, a half-filled chunk when the source fails.
 * Chunks are cut exactly as ipfs-unixfs-importer's fixedSize chunker cuts them (an empty input
 * gives one empty chunk).
 */
export class ChunkRing {
  readonly #pool: HashPool
  readonly #opts: ChunkRingOptions
  readonly #info = new WeakMap<Uint8Array, RingChunkInfo>()
  /** Yielded, not yet taken by a leaf job: `close` releases these. */
  readonly #untaken = new Set<Uint8Array>()
  /** Cut, not yet yielded. */
  readonly #ready: Uint8Array[] = []
  readonly #stop = new AbortController()
  readonly #ownWaiters: Array<() => void> = []
  #held = 0
  #unlisten: (() => void) | undefined

  constructor (pool: HashPool, options: ChunkRingOptions) {
    if (!Number.isSafeInteger(options.slots) || options.slots < 1) throw new RangeError(`a chunk ring needs at least one slot, got ${options.slots}`)
    this.#pool = pool
    this.#opts = options
  }

  /** Chunks this ring holds now (cut and not yet given back). */
  get held (): number {
    return this.#held
  }

  /**
   * Takes over a chunk this ring yielded: its digest and the release to call once it is
   * written. Undefined for a chunk this ring did not yield.
   */
  take (chunk: Uint8Array): RingChunkInfo | undefined {
    this.#untaken.delete(chunk)
    return this.#info.get(chunk)
  }

  /**
   * Tells the ring that a chunk it took over is now queued in the writer. While anyone waits for
   * the pool's arena the ring asks its consumer to flush at once: the flush asked for when the
   * wait began came before this chunk was queued, and with every add waiting, a chunk left
   * queued would never be given back. (Waiting at this ring's own limit needs no such flush:
   * the limit is above the writer's flush size, so the writer drains by itself.)
   */
  queued (): void {
    if (this.#pool.pressed) this.#opts.onStarved?.()
  }

  /** Cuts `source` into chunks (views into shared memory), read ahead and hashed ahead. */
  async * chunks (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let finished = false
    let failure: unknown
    let wake: (() => void) | undefined
    const notify = (): void => { const w = wake; wake = undefined; w?.() }
    // kept until close: blocks still queued in the writer after the last chunk count too
    this.#unlisten ??= this.#pool.onPressure(() => { this.#opts.onStarved?.() })
    const producer = this.#produce(source, notify).catch(err => { if (!this.#stop.signal.aborted) failure = err }).finally(() => { finished = true; notify() })
    try {
      for (;;) {
        const next = this.#ready.shift()
        if (next !== undefined) {
          this.#untaken.add(next)
          yield next
          continue
        }
        if (failure !== undefined) throw failure
        if (finished) return
        await new Promise<void>(resolve => { wake = resolve })
      }
    } finally {
      this.#stop.abort(new Error('chunk ring stopped'))
      this.#wakeOwn()
      await producer
      this.#releaseReady()
    }
  }

  /**
   * Ends the ring once the import is over (always call it): stops the producer, stops listening
   * to the pool's pressure and gives back every chunk that no leaf job took. Chunks taken are
   * released by whoever took them.
   */
  close (): void {
    this.#unlisten?.()
    this.#stop.abort(new Error('chunk ring stopped'))
    this.#wakeOwn()
    this.#releaseReady()
    for (const chunk of this.#untaken) this.#info.get(chunk)?.release()
    this.#untaken.clear()
  }

  async #produce (source: AsyncIterable<Uint8Array>, notify: () => void): Promise<void> {
    const size = this.#opts.chunkSize
    let slice: SharedSlice | undefined
    let fill = 0
    let emitted = false
    const emit = (current: SharedSlice): void => {
      const view = current.bytes.subarray(0, fill)
      const digest = current.sha256(fill)
      digest.catch(() => {})
      let released = false
      // The memory is reused only once its hash is done, even when released before the digest
      // was awaited: otherwise the next lease could overwrite bytes still being hashed.
      const release = (): void => {
        if (released) return
        released = true
        const back = (): void => { this.#giveBack(current) }
        digest.then(back, back)
      }
      this.#info.set(view, { digest, release })
      this.#ready.push(view)
      emitted = true
      notify()
    }
    try {
      slice = await this.#acquire()
      for await (const piece of source) {
        if (this.#stop.signal.aborted) return
        for (let offset = 0; offset < piece.length;) {
          const n = Math.min(size - fill, piece.length - offset)
          slice.bytes.set(piece.subarray(offset, offset + n), fill)
          fill += n
          offset += n
          if (fill === size) {
            emit(slice)
            slice = undefined
            slice = await this.#acquire()
            fill = 0
          }
        }
      }
      if (this.#stop.signal.aborted) return
      if (fill > 0 || !emitted) { emit(slice); slice = undefined }
    } finally {
      // a half-filled chunk (source failed or ended with nothing left over, or the ring stopped)
      if (slice !== undefined) this.#giveBack(slice)
    }
  }

  /** Memory for the next chunk: within this ring's limit, then from the pool (FIFO). */
  async #acquire (): Promise<SharedSlice> {
    const signal = this.#stop.signal
    for (;;) {
      signal.throwIfAborted()
      if (this.#held < this.#opts.slots) {
        let slice = this.#pool.tryLease(this.#opts.chunkSize)
        if (slice === undefined) {
          this.#opts.onStarved?.()
          slice = await this.#pool.lease(this.#opts.chunkSize, signal)
        }
        this.#held++
        return slice
      }
      this.#opts.onStarved?.()
      await new Promise<void>(resolve => { this.#ownWaiters.push(resolve) })
    }
  }

  #giveBack (slice: SharedSlice): void {
    slice.release()
    this.#held--
    this.#ownWaiters.shift()?.()
  }

  #releaseReady (): void {
    for (const view of this.#ready.splice(0)) this.#info.get(view)?.release()
  }

  #wakeOwn (): void {
    for (const wake of this.#ownWaiters.splice(0)) wake()
  }
}
