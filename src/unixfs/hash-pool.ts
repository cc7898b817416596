import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/** Below this size a block is hashed in place: handing it over would cost more than hashing. */
const inlineBelow = 32 * 1024

/**
 * The worker: keeps the shared buffers it is given and hashes regions of them, posting the
 * digest back with the job id (or an error for a region it does not know).
 */
const workerSource = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const regions = new Map()
parentPort.on('message', msg => {
  if (msg.register !== undefined) { regions.set(msg.register, new Uint8Array(msg.buffer)); return }
  if (msg.unregister !== undefined) { regions.delete(msg.unregister); return }
  const region = regions.get(msg.region)
  if (region === undefined) { parentPort.postMessage({ id: msg.id, error: 'unknown region' }); return }
  parentPort.postMessage({ id: msg.id, digest: createHash('sha256').update(region.subarray(msg.offset, msg.offset + msg.length)).digest() })
})
`

/** Options of the pool. */
export interface HashPoolOptions {
  /** Worker threads (default: cores − 1, at least 1, at most 4). */
  workers: number
  /** Slots of the pool's own shared buffer, for `sha256(bytes)` (default 16). */
  slots: number
  /** Largest block `sha256(bytes)` hands to a worker; bigger ones are hashed in place. */
  slotBytes: number
}

/** Memory the workers can read without a copy (see `HashPool.share`). */
export interface SharedRegion {
  readonly bytes: Uint8Array
  /** SHA-256 of bytes[offset, offset + length), computed on a worker. */
  sha256: (offset: number, length: number) => Promise<Uint8Array>
  /** Forgets the region in the workers. */
  release: () => void
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
 * another core hashes (~1.6 GB/s per core here). Data reaches the workers through shared
 * memory, allocated once and reused: either a region the caller fills (`share`, used by the
 * chunk ring, no copy at all) or a slot of the pool's own buffer that `sha256(bytes)` copies
 * into. Posting blocks instead costs a fresh allocation on both sides per block, which on this
 * kind of VM made hashing off-thread slower than hashing in place. If a worker dies, its jobs
 * and every later one are hashed in place: the pool slows down, it never fails an add.
 */
export class HashPool {
  readonly #opts: HashPoolOptions
  readonly #workers: Worker[] = []
  readonly #jobs = new Map<number, Job>()
  readonly #free: number[] = []
  readonly #waiting: Array<(slot: number) => void> = []
  #own: SharedRegion | undefined
  #nextJob = 0
  #nextRegion = 0
  #inline = false
  #closed = false

  constructor (options: Partial<HashPoolOptions> = {}) {
    this.#opts = {
      workers: options.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
      slots: options.slots ?? 16,
      slotBytes: options.slotBytes ?? 1024 * 1024 + 1024
    }
    for (let i = 0; i < this.#opts.slots; i++) this.#free.push(i)
  }

  /** True once the pool hashes on the calling thread (a worker failed, or the pool closed). */
  get inline (): boolean {
    return this.#inline || this.#closed
  }

  /** A shared region of `bytes` bytes whose contents the workers can hash in place. */
  share (bytes: number): SharedRegion {
    this.#start()
    const id = this.#nextRegion++
    const buffer = new SharedArrayBuffer(bytes)
    const view = new Uint8Array(buffer)
    if (!this.inline) for (const worker of this.#workers) worker.postMessage({ register: id, buffer })
    return {
      bytes: view,
      sha256: async (offset, length) => await this.#submit(id, view.subarray(offset, offset + length), offset, length),
      release: () => { if (!this.inline) for (const worker of this.#workers) worker.postMessage({ unregister: id }) }
    }
  }

  /** The SHA-256 digest of `bytes` (copied into a slot of the pool's own region). */
  async sha256 (bytes: Uint8Array): Promise<Uint8Array> {
    if (bytes.length < inlineBelow || bytes.length > this.#opts.slotBytes || this.inline) return digestOf(bytes)
    this.#own ??= this.share(this.#opts.slots * this.#opts.slotBytes)
    const own = this.#own
    const slot = this.#free.pop() ?? await new Promise<number>(resolve => { this.#waiting.push(resolve) })
    try {
      own.bytes.set(bytes, slot * this.#opts.slotBytes)
      return await own.sha256(slot * this.#opts.slotBytes, bytes.length)
    } finally {
      const next = this.#waiting.shift()
      if (next !== undefined) next(slot)
      else this.#free.push(slot)
    }
  }

  /** Stops the workers; later and pending jobs are hashed in place. */
  async close (): Promise<void> {
    this.#closed = true
    this.#hashPendingInline()
    await Promise.all(this.#workers.map(async w => await w.terminate()))
  }

  async #submit (region: number, bytes: Uint8Array, offset: number, length: number): Promise<Uint8Array> {
    if (this.inline) return digestOf(bytes)
    const id = this.#nextJob++
    const worker = this.#workers[id % this.#workers.length] as Worker
    return await new Promise<Uint8Array>(resolve => {
      this.#jobs.set(id, { bytes, resolve })
      worker.postMessage({ id, region, offset, length })
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
    // a job the worker could not do (it lost the region) is hashed here instead
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
