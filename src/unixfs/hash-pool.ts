import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/** Below this size a block is hashed in place: handing it over would cost more than hashing. */
const inlineBelow = 32 * 1024

/**
 * The worker: keeps the shared buffers it is given and hashes regions of them, posting the
 * digest back with the job id.
 */
const workerSource = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const regions = new Map()
parentPort.on('message', msg => {
  if (msg.register !== undefined) { regions.set(msg.register, new Uint8Array(msg.buffer)); return }
  if (msg.unregister !== undefined) { regions.delete(msg.unregister); return }
  const view = regions.get(msg.region).subarray(msg.offset, msg.offset + msg.length)
  parentPort.postMessage({ id: msg.id, digest: createHash('sha256').update(view).digest() })
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
  resolve: (digest: Uint8Array) => void
  reject: (err: Error) => void
}

/**
 * SHA-256 on worker threads, so an add's main thread only chunks, encodes and writes while
 * another core hashes (~1.6 GB/s per core here). Data reaches the workers through shared
 * memory, allocated once and reused: either a region the caller fills (`share`, used by the
 * chunk ring, no copy at all) or a slot of the pool's own buffer that `sha256(bytes)` copies
 * into. Posting blocks instead costs a fresh allocation on both sides per block, which on this
 * kind of VM made hashing off-thread slower than hashing in place.
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
  #closed = false

  constructor (options: Partial<HashPoolOptions> = {}) {
    this.#opts = {
      workers: options.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
      slots: options.slots ?? 16,
      slotBytes: options.slotBytes ?? 1024 * 1024 + 1024
    }
    for (let i = 0; i < this.#opts.slots; i++) this.#free.push(i)
  }

  /** A shared region of `bytes` bytes whose contents the workers can hash in place. */
  share (bytes: number): SharedRegion {
    if (this.#closed) throw new Error('hash pool closed')
    this.#start()
    const id = this.#nextRegion++
    const buffer = new SharedArrayBuffer(bytes)
    for (const worker of this.#workers) worker.postMessage({ register: id, buffer })
    return {
      bytes: new Uint8Array(buffer),
      sha256: async (offset, length) => await this.#submit(id, offset, length),
      release: () => { for (const worker of this.#workers) worker.postMessage({ unregister: id }) }
    }
  }

  /** The SHA-256 digest of `bytes` (copied into a slot of the pool's own region). */
  async sha256 (bytes: Uint8Array): Promise<Uint8Array> {
    if (bytes.length < inlineBelow || bytes.length > this.#opts.slotBytes || this.#closed) {
      return createHash('sha256').update(bytes).digest()
    }
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

  /** Stops the workers; jobs still running fail. */
  async close (): Promise<void> {
    this.#closed = true
    await Promise.all(this.#workers.map(async w => await w.terminate()))
    this.#failAll(new Error('hash pool closed'))
  }

  async #submit (region: number, offset: number, length: number): Promise<Uint8Array> {
    if (this.#closed) throw new Error('hash pool closed')
    const id = this.#nextJob++
    const worker = this.#workers[id % this.#workers.length] as Worker
    return await new Promise<Uint8Array>((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject })
      worker.postMessage({ id, region, offset, length })
    })
  }

  #start (): void {
    if (this.#workers.length > 0) return
    for (let i = 0; i < this.#opts.workers; i++) {
      const worker = new Worker(workerSource, { eval: true })
      worker.unref()
      worker.on('message', ({ id, digest }: { id: number, digest: Uint8Array }) => { this.#done(id, digest) })
      worker.on('error', err => { this.#failAll(err) })
      this.#workers.push(worker)
    }
  }

  #done (id: number, digest: Uint8Array): void {
    const job = this.#jobs.get(id)
    if (job === undefined) return
    this.#jobs.delete(id)
    job.resolve(digest)
  }

  #failAll (err: Error): void {
    for (const job of this.#jobs.values()) job.reject(err)
    this.#jobs.clear()
  }
}
