import { availableParallelism } from 'node:os'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { CID } from 'multiformats/cid'
import { AppError } from '../errors/index.js'
import { ShardHashState, type ShardDigests } from './shard-hash.js'

/** Messages to a hash worker. */
export type WorkerRequest =
  | { op: 'begin', job: number, shards: number[], leafSize: number, slots: SharedArrayBuffer[] }
  | { op: 'segment', job: number, slot: number, segment: number, pieceSize: number }
  | { op: 'end', job: number }
  | { op: 'cancel', job: number }

/** Messages from a hash worker. */
export type WorkerReply =
  | { op: 'hashed', job: number, slot: number, segment: number }
  | { op: 'result', job: number, shards: Array<{ index: number, cid: Uint8Array, size: number, merkleRoot: Uint8Array }> }
  | { op: 'error', job: number, message: string }

/**
 * One encode's hashing: every shard's pieces of each segment slot, in segment order. The
 * pieces of a segment sit at index × pieceSize in its slot.
 */
export interface ShardHashJob {
  /** Hashes the pieces in `slot`; resolves when every shard's piece is hashed (slot reusable). */
  segment: (slot: number, segment: number, pieceSize: number) => Promise<void>
  /** The digests of every shard, by shard index. */
  end: () => Promise<ShardDigests[]>
  cancel: () => void
}

interface Pending {
  hashed: Map<string, { left: number, resolve: () => void, reject: (err: Error) => void }>
  result?: { left: number, shards: ShardDigests[], resolve: (s: ShardDigests[]) => void, reject: (err: Error) => void }
}

const workerUrl = new URL(`./hash-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

/**
 * Worker threads that compute shard CIDs and Merkle roots while the encoder's main thread
 * encrypts and erasure-codes the next segment. Each worker owns a fixed subset of the shards of
 * a job (shard i → worker i mod W), so a shard's bytes are hashed in order by one thread, and
 * reads them from the encoder's SharedArrayBuffer slots without a copy. With 0 workers (or once
 * a worker has died) jobs are hashed on the calling thread.
 */
export class ShardHashers {
  readonly #size: number
  readonly #workers: Worker[] = []
  readonly #jobs = new Map<number, Pending>()
  #next = 0
  #broken = false

  constructor (workers = availableParallelism()) {
    this.#size = workers
  }

  /** Starts the hashing of one encode. `slots` must be backed by SharedArrayBuffers. */
  begin (shardCount: number, leafSize: number, slots: Uint8Array[]): ShardHashJob {
    if (this.#size === 0 || this.#broken) return inlineJob(shardCount, leafSize, slots)
    this.#start()
    const job = this.#next++
    const pending: Pending = { hashed: new Map() }
    this.#jobs.set(job, pending)
    const buffers = slots.map(s => s.buffer as SharedArrayBuffer)
    this.#workers.forEach((worker, w) => {
      const shards = Array.from({ length: shardCount }, (_, i) => i).filter(i => i % this.#workers.length === w)
      worker.postMessage({ op: 'begin', job, shards, leafSize, slots: buffers } satisfies WorkerRequest)
    })
    const post = (msg: WorkerRequest): void => { for (const worker of this.#workers) worker.postMessage(msg) }
    return {
      segment: async (slot, segment, pieceSize) => {
        await new Promise<void>((resolve, reject) => {
          pending.hashed.set(`${slot}/${segment}`, { left: this.#workers.length, resolve, reject })
          post({ op: 'segment', job, slot, segment, pieceSize })
        })
      },
      end: async () => {
        const shards = await new Promise<ShardDigests[]>((resolve, reject) => {
          pending.result = { left: this.#workers.length, shards: [], resolve, reject }
          post({ op: 'end', job })
        })
        this.#jobs.delete(job)
        return shards
      },
      cancel: () => {
        this.#jobs.delete(job)
        post({ op: 'cancel', job })
      }
    }
  }

  /** Stops the workers. */
  async close (): Promise<void> {
    this.#broken = true
    await Promise.all(this.#workers.map(async w => await w.terminate()))
    this.#failAll(new Error('shard hashers closed'))
  }

  #start (): void {
    if (this.#workers.length > 0) return
    for (let i = 0; i < this.#size; i++) {
      const worker = new Worker(workerUrl)
      worker.unref()
      worker.on('message', (msg: WorkerReply) => { this.#reply(msg) })
      worker.on('error', err => { this.#die(err) })
      worker.on('exit', () => { if (!this.#broken) this.#die(new Error('a shard hash worker exited')) })
      this.#workers.push(worker)
    }
  }

  #reply (msg: WorkerReply): void {
    const pending = this.#jobs.get(msg.job)
    if (pending === undefined) return
    if (msg.op === 'error') {
      this.#jobs.delete(msg.job)
      failJob(pending, new AppError('INTERNAL', `shard hashing failed: ${msg.message}`))
    } else if (msg.op === 'hashed') {
      const key = `${msg.slot}/${msg.segment}`
      const waiter = pending.hashed.get(key)
      if (waiter !== undefined && --waiter.left === 0) { pending.hashed.delete(key); waiter.resolve() }
    } else if (pending.result !== undefined) {
      const result = pending.result
      for (const s of msg.shards) result.shards[s.index] = { cid: CID.decode(s.cid), size: s.size, merkleRoot: s.merkleRoot }
      if (--result.left === 0) result.resolve(result.shards)
    }
  }

  #die (err: Error): void {
    if (this.#broken) return
    this.#broken = true
    this.#failAll(err)
    for (const worker of this.#workers) void worker.terminate()
  }

  #failAll (err: Error): void {
    for (const pending of this.#jobs.values()) failJob(pending, err)
    this.#jobs.clear()
  }
}

function failJob (pending: Pending, err: Error): void {
  for (const waiter of pending.hashed.values()) waiter.reject(err)
  pending.hashed.clear()
  pending.result?.reject(err)
}

/** The same job on the calling thread. */
function inlineJob (shardCount: number, leafSize: number, slots: Uint8Array[]): ShardHashJob {
  const states = Array.from({ length: shardCount }, () => new ShardHashState(leafSize))
  return {
    segment: async (slot, _segment, pieceSize) => {
      const bytes = slots[slot] as Uint8Array
      states.forEach((state, i) => { state.update(bytes.subarray(i * pieceSize, (i + 1) * pieceSize)) })
    },
    end: async () => states.map(s => s.finish()),
    cancel: () => {}
  }
}
