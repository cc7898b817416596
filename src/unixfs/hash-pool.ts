import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { SharedArena, type ArenaLease, type ArenaStats } from './shared-arena.js'

/** Below this size a block is hashed in place: handing it over would cost more than hashing. */
const inlineBelow = 32 * 1024

/**
 * The worker: keeps the pool's one arena (posted once) and hashes ranges of it, posting the
 * digest back with the job id (or an error when it has no arena).
 */
const workerSource = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
let arena
parentPort.on('message', msg => {
  if (msg.arena !== undefined) { arena = new Uint8Array(msg.arena); return }
  if (arena === undefined) { parentPort.postMessage({ id: msg.id, error: 'no arena' }); return }
  parentPort.postMessage({ id: msg.id, digest: createHash('sha256').update(arena.subarray(msg.offset, msg.offset + msg.length)).digest() })
})
`

/** Options of the pool (defaults in `defaultHashPoolOptions`). */
export interface HashPoolOptions {
  /** Worker threads. */
  workers: number
  /**
   * Bytes of the shared arena: the most that every add's chunks being hashed and written, and
   * the blocks copied in by `sha256(bytes)`, hold together. Beyond it adds wait.
   */
  arenaBytes: number
  /** Allocation unit of the arena. */
  unitBytes: number
  /** Largest block `sha256(bytes)` hands to a worker; bigger ones are hashed in place. */
  slotBytes: number
}

/** 1 to 4 workers (cores − 1), a 32 MiB arena in 32 KiB units, blocks up to 1 MiB + 1 KiB. */
export const defaultHashPoolOptions: HashPoolOptions = {
  workers: Math.max(1, Math.min(4, availableParallelism() - 1)),
  arenaBytes: 32 * 1024 * 1024,
  unitBytes: 32 * 1024,
  slotBytes: 1024 * 1024 + 1024
}

/** A piece of the pool's shared memory, which the workers can hash without a copy. */
export interface SharedSlice {
  /** The piece (exactly the length asked for). */
  readonly bytes: Uint8Array
  /** SHA-256 of bytes[0, length), computed on a worker (in place once the pool is inline). */
  sha256: (length: number) => Promise<Uint8Array>
  /** Gives the piece back to the pool. Idempotent. Only once nothing reads or hashes it. */
  release: () => void
}

/** What the pool holds. */
export interface HashPoolStats extends ArenaStats {
  /** SharedArrayBuffers ever posted to the workers: 0 before the first use, then 1, forever. */
  sharedBuffers: number
}

interface Job {
  bytes: Uint8Array
  resolve: (digest: Uint8Array) => void
}

function digestOf (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

/**
 * SHA-256 on worker threads, so an add's main thread only chunks, encodes and writes while
 * another core hashes (~1.6 GB/s per core here). Data reaches the workers through one shared
 * arena (see SharedArena), made on first use and posted to each worker once: callers lease
 * slices of it (`lease`, used by the chunk ring, no copy at all) or `sha256(bytes)` copies a
 * block into a slice for the time of the hash. Posting blocks instead costs a fresh allocation
 * on both sides per block, which on this kind of VM made hashing off-thread slower than hashing
 * in place; posting a fresh SharedArrayBuffer per add leaked it (a worker frees it only when its
 * own GC runs). If a worker dies, its jobs and every later one are hashed in place: the pool
 * slows down, it never fails an add.
 */
export class HashPool {
  readonly #opts: HashPoolOptions
  readonly #workers: Worker[] = []
  readonly #jobs = new Map<number, Job>()
  #arena: SharedArena | undefined
  #nextJob = 0
  #inline = false
  #closed = false

  constructor (options: Partial<HashPoolOptions> = {}) {
    this.#opts = { ...defaultHashPoolOptions, ...options }
  }

  /** True once the pool hashes on the calling thread (a worker failed, or the pool closed). */
  get inline (): boolean {
    return this.#inline || this.#closed
  }

  /** What the arena holds now and at most, and how many shared buffers the workers were given. */
  stats (): HashPoolStats {
    const arena = this.#arena?.stats() ?? { capacityBytes: 0, leasedBytes: 0, peakLeasedBytes: 0, leases: 0, waiting: 0 }
    return { ...arena, capacityBytes: this.#opts.arenaBytes, sharedBuffers: this.#arena !== undefined ? 1 : 0 }
  }

  /**
   * A slice of `length` bytes of shared memory, waiting (FIFO) while the arena is full; rejects
   * with the signal's reason if it aborts first. RangeError above the arena's size.
   */
  async lease (length: number, signal?: AbortSignal): Promise<SharedSlice> {
    const arena = this.#arenaNow()
    return this.#slice(arena, await arena.acquire(length, signal))
  }

  /** A slice now, or undefined when the arena has no room (or others wait for it). */
  tryLease (length: number): SharedSlice | undefined {
    const arena = this.#arenaNow()
    const lease = arena.tryAcquire(length)
    return lease === undefined ? undefined : this.#slice(arena, lease)
  }

  /** True while someone waits for room in the arena. */
  get pressed (): boolean {
    return (this.#arena?.stats().waiting ?? 0) > 0
  }

  /** Calls `listener` whenever a lease has to wait; returns the function that unregisters it. */
  onPressure (listener: () => void): () => void {
    return this.#arenaNow().onPressure(listener)
  }

  /**
   * The SHA-256 digest of `bytes`, on a worker when it is worth it (copied into a slice of the
   * arena for the time of the hash); in place when small, large, or the arena is full.
   */
  async sha256 (bytes: Uint8Array): Promise<Uint8Array> {
    if (bytes.length < inlineBelow || bytes.length > this.#opts.slotBytes || this.inline) return digestOf(bytes)
    const slice = this.tryLease(bytes.length)
    if (slice === undefined) return digestOf(bytes)
    try {
      slice.bytes.set(bytes)
      return await slice.sha256(bytes.length)
    } finally {
      slice.release()
    }
  }

  /** Stops the workers; later and pending jobs are hashed in place (leases keep working). */
  async close (): Promise<void> {
    this.#closed = true
    this.#hashPendingInline()
    await Promise.all(this.#workers.map(async w => await w.terminate()))
  }

  #arenaNow (): SharedArena {
    if (this.#arena !== undefined) return this.#arena
    this.#start()
    const arena = new SharedArena({ bytes: this.#opts.arenaBytes, unitBytes: this.#opts.unitBytes })
    if (!this.inline) for (const worker of this.#workers) worker.postMessage({ arena: arena.buffer })
    this.#arena = arena
    return arena
  }

  #slice (arena: SharedArena, lease: ArenaLease): SharedSlice {
    const bytes = arena.bytes.subarray(lease.offset, lease.offset + lease.length)
    return {
      bytes,
      sha256: async length => await this.#submit(bytes.subarray(0, length), lease.offset, length),
      release: () => { arena.release(lease) }
    }
  }

  async #submit (bytes: Uint8Array, offset: number, length: number): Promise<Uint8Array> {
    if (this.inline) return digestOf(bytes)
    const id = this.#nextJob++
    const worker = this.#workers[id % this.#workers.length] as Worker
    return await new Promise<Uint8Array>(resolve => {
      this.#jobs.set(id, { bytes, resolve })
      worker.postMessage({ id, offset, length })
    })
  }

  #start (): void {
    if (this.#workers.length > 0 || this.inline) return
    for (let i = 0; i < this.#opts.workers; i++) {
      const worker = new Worker(workerSource, { eval: true })
      worker.unref()
      worker.on('message', (msg: { id: number, digest?: Uint8Array, error?: string }) => { this.#done(msg) })
      worker.on('error', () => { this.#fail() })
      worker.on('exit', () => { if (!this.#closed) this.#fail() })
      this.#workers.push(worker)
    }
  }

  #done ({ id, digest }: { id: number, digest?: Uint8Array }): void {
    const job = this.#jobs.get(id)
    if (job === undefined) return
    this.#jobs.delete(id)
    // a job the worker could not do is hashed here instead
    job.resolve(digest ?? digestOf(job.bytes))
  }

  /** A worker died: hash everything in place from now on. */
  #fail (): void {
    if (this.#inline) return
    this.#inline = true
    this.#hashPendingInline()
    for (const worker of this.#workers) void worker.terminate()
  }

  #hashPendingInline (): void {
    for (const [id, job] of this.#jobs) {
      this.#jobs.delete(id)
      job.resolve(digestOf(job.bytes))
    }
  }
}
