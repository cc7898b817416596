import type { HashPool, SharedRegion } from './hash-pool.js'

/** What the ring knows about a chunk it produced. */
export interface RingChunkInfo {
  /** SHA-256 of the chunk, computed on a worker as soon as the chunk was cut. */
  digest: Promise<Uint8Array>
  /** Returns the chunk's slot to the ring (once its digest is computed); call once the block has been written (or dropped). */
  release: () => void
}

/** Sizing of a ring. */
export interface ChunkRingOptions {
  chunkSize: number
  /** Slots in the ring; bounds the memory of an add to slots × chunkSize. */
  slots: number
  /** Called when the producer waits for a slot, so the consumer can flush what it holds. */
  onStarved?: () => void
}

/**
 * Fixed-size chunking into reused shared memory, for the add path. The producer cuts the input
 * into `chunkSize` pieces directly inside the slots of one SharedArrayBuffer (the one copy the
 * importer's own chunker makes anyway), starts hashing each piece on the HashPool at once, and
 * runs ahead of the importer for as long as slots are free — so the worker hashes chunk n + k
 * while the main thread handles chunk n. A slot comes back when the writer has written its
 * block. No memory is allocated per block, and the ring bounds how much of a file is in memory.
 * Chunks are cut exactly as ipfs-unixfs-importer's fixedSize chunker cuts them (an empty input
 * gives one empty chunk).
 */
export class ChunkRing {
  readonly #opts: ChunkRingOptions
  readonly #region: SharedRegion
  readonly #free: number[] = []
  readonly #waiting: Array<{ resolve: (slot: number) => void, reject: (err: Error) => void }> = []
  readonly #info = new WeakMap<Uint8Array, RingChunkInfo>()
  #stopped = false

  constructor (pool: HashPool, options: ChunkRingOptions) {
    this.#opts = options
    this.#region = pool.share(options.slots * options.chunkSize)
    for (let i = options.slots - 1; i >= 0; i--) this.#free.push(i)
  }

  /** The digest and release handle of a chunk this ring yielded. */
  info (chunk: Uint8Array): RingChunkInfo | undefined {
    return this.#info.get(chunk)
  }

  /** Cuts `source` into chunks (views into the ring), read ahead and hashed ahead. */
  async * chunks (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const ready: Uint8Array[] = []
    let finished = false
    let failure: unknown
    let wake: (() => void) | undefined
    const notify = (): void => { const w = wake; wake = undefined; w?.() }
    const produce = async (): Promise<void> => {
      const size = this.#opts.chunkSize
      let slot = await this.#acquire()
      let fill = 0
      let emitted = false
      const emit = (): void => {
        const view = this.#region.bytes.subarray(slot * size, slot * size + fill)
        const held = slot
        let released = false
        const digest = this.#region.sha256(slot * size, fill)
        digest.catch(() => {})
        // The slot is reused only once its hash is done, even when released before the digest
        // was awaited: otherwise the next chunk could overwrite bytes still being hashed.
        this.#info.set(view, { digest, release: () => { if (!released) { released = true; digest.then(() => { this.#release(held) }, () => { this.#release(held) }) } } })
        ready.push(view)
        emitted = true
        notify()
      }
      for await (const piece of source) {
        if (this.#stopped) break
        for (let offset = 0; offset < piece.length;) {
          const n = Math.min(size - fill, piece.length - offset)
          this.#region.bytes.set(piece.subarray(offset, offset + n), slot * size + fill)
          fill += n
          offset += n
          if (fill === size) {
            emit()
            slot = await this.#acquire()
            fill = 0
          }
        }
      }
      if (fill > 0 || !emitted) emit()
      else this.#release(slot)
    }
    const producer = produce().catch(err => { if (!this.#stopped) failure = err }).finally(() => { finished = true; notify() })
    try {
      for (;;) {
        const next = ready.shift()
        if (next !== undefined) { yield next; continue }
        if (failure !== undefined) throw failure
        if (finished) return
        await new Promise<void>(resolve => { wake = resolve })
      }
    } finally {
      this.#stopped = true
      for (const view of ready) this.#info.get(view)?.release()
      this.#wakeAll()
      await producer
    }
  }

  /** Forgets the ring's memory in the workers. */
  close (): void {
    this.#stopped = true
    this.#wakeAll()
    this.#region.release()
  }

  async #acquire (): Promise<number> {
    const slot = this.#free.pop()
    if (slot !== undefined) return slot
    if (this.#stopped) throw new Error('chunk ring stopped')
    this.#opts.onStarved?.()
    return await new Promise<number>((resolve, reject) => { this.#waiting.push({ resolve, reject }) })
  }

  #release (slot: number): void {
    const next = this.#waiting.shift()
    if (next !== undefined) next.resolve(slot)
    else this.#free.push(slot)
  }

  /** Fails a producer that waits for a slot after the consumer went away. */
  #wakeAll (): void {
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error('chunk ring stopped'))
  }
}
