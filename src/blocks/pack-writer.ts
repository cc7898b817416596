import { open, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { AppError } from '../errors/index.js'
import type { BatchOp } from '../store/index.js'
import type { BlockLocation, BlockWriter } from './interface.js'
import { encodeRecordHeader, packFileName, packMagic } from './pack-format.js'

/** What a writer needs from its store; kept narrow so the writer is testable alone. */
export interface PackWriterContext {
  dir: string
  fsync: boolean
  flushBytes: number
  maxPackBytes: number
  allocatePackId: () => number
  /** Which of these multihashes the store already holds, in order (one index lookup). */
  hasMany: (multihashes: Uint8Array[]) => Promise<boolean[]>
  /** Publishes packs and index entries together with `ops`, atomically. */
  publish: (packs: Array<{ id: number, size: number }>, entries: Array<[Uint8Array, BlockLocation]>, ops: BatchOp[]) => Promise<void>
  /** fdatasync of a pack file (the store limits how many run at once). */
  datasync: (handle: FileHandle) => Promise<void>
  /** Called once the writer is finished either way, to drop it from the live set. */
  release: (writer: PackWriter) => void
}

interface Queued {
  mh: Uint8Array
  bytes: Uint8Array
  force: boolean
  onWritten?: () => void
}

interface OpenPack {
  id: number
  handle: FileHandle
  /** Bytes written so far, i.e. the next record's offset. */
  size: number
  /** `size` when the last background fdatasync started. */
  syncedAt: number
  /** The running background fdatasync, if any. */
  syncing?: Promise<void>
  finished: boolean
}

/**
 * With fsync on, a background fdatasync is started every this many bytes, so the disk flushes
 * while the importer works and the final fsync at commit has little left to do.
 */
const syncEvery = 16 * 1024 * 1024

/** Drains queued behind the one being written before `put` waits (bounds memory to ~4 × flushBytes). */
const maxDrainsInFlight = 3

function once (fn: () => void): () => void {
  let called = false
  return () => { if (!called) { called = true; fn() } }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Writes all of `chunks` at `position`, coping with short writes and the iovec limit. */
async function writeFully (handle: FileHandle, chunks: Uint8Array[], position: number): Promise<number> {
  const length = chunks.reduce((n, c) => n + c.length, 0)
  let buffers = chunks.length > 256 ? [Buffer.concat(chunks, length)] : chunks
  let done = 0
  while (done < length) {
    const { bytesWritten } = await handle.writev(buffers, position + done)
    if (bytesWritten === 0) throw new AppError('INTERNAL', 'pack write made no progress (disk full?)')
    done += bytesWritten
    if (done < length) buffers = [Buffer.concat(buffers).subarray(bytesWritten)]
  }
  return length
}

/**
 * A staged writer that appends blocks to fresh pack files. `put` only queues; every
 * `flushBytes` the queue is drained on the writer's single I/O chain: one index lookup drops
 * the blocks the store already has, the rest get their offsets and go out in one `writev`.
 * Drains run behind the importer (it keeps hashing while a write is on the disk thread); a `put`
 * waits only when more than `maxDrainsInFlight` are queued, which bounds memory and gives the
 * importer backpressure.
 * Index entries stay in memory (about 100 bytes per block) until `commit` publishes them with
 * the packs in one atomic batch; `abort` (or a crash, cleaned at the next start) unlinks the
 * packs and leaves nothing behind.
 */
export class PackWriter implements BlockWriter {
  readonly #ctx: PackWriterContext
  readonly #seen = new Set<string>()
  readonly #entries: Array<[Uint8Array, BlockLocation]> = []
  readonly #packs: OpenPack[] = []
  #queue: Queued[] = []
  #queuedBytes = 0
  #io: Promise<void> = Promise.resolve()
  #ioError: unknown
  #state: 'open' | 'committing' | 'committed' | 'aborted' = 'open'
  #bytesWritten = 0
  #draining = 0

  constructor (ctx: PackWriterContext) {
    this.#ctx = ctx
  }

  get bytesWritten (): number {
    return this.#bytesWritten
  }

  /** Ids of the packs this writer created (a sweep leaves them alone). */
  get packIds (): number[] {
    return this.#packs.map(p => p.id)
  }

  async put (cid: CID, bytes: Uint8Array, options: { force?: boolean, onWritten?: () => void } = {}): Promise<void> {
    this.#assertOpen()
    const mh = cid.multihash.bytes
    const key = hex(mh)
    if (this.#seen.has(key)) { options.onWritten?.(); return }
    this.#seen.add(key)
    this.#queue.push({ mh, bytes, force: options.force === true, ...(options.onWritten !== undefined ? { onWritten: once(options.onWritten) } : {}) })
    this.#queuedBytes += bytes.length
    if (this.#queuedBytes < this.#ctx.flushBytes) return
    const drained = this.#drain()
    drained.catch(() => {})
    if (++this.#draining > maxDrainsInFlight) await this.#io
    void drained.finally(() => { this.#draining-- })
  }

  async flush (): Promise<void> {
    if (this.#state === 'open') await this.#drain()
  }

  async commit (ops: BatchOp[] = []): Promise<void> {
    this.#assertOpen()
    this.#state = 'committing'
    try {
      void this.#drain()
      await this.#chain(async () => {
        for (const pack of this.#packs) await this.#finish(pack)
      })
      if (this.#ioError !== undefined) throw this.#ioError
      await this.#ctx.publish(this.#packs.map(p => ({ id: p.id, size: p.size })), this.#entries, ops)
      this.#state = 'committed'
      this.#ctx.release(this)
    } catch (err) {
      this.#state = 'open'
      await this.abort()
      throw err
    }
  }

  async abort (): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'aborted') return
    this.#state = 'aborted'
    await this.#io.catch(() => {})
    for (const pack of this.#packs) {
      await pack.syncing?.catch(() => {})
      if (!pack.finished) await pack.handle.close().catch(() => {})
      await unlink(join(this.#ctx.dir, packFileName(pack.id))).catch(() => {})
    }
    for (const item of this.#queue) item.onWritten?.()
    this.#queue = []
    this.#entries.length = 0
    this.#ctx.release(this)
  }

  #assertOpen (): void {
    if (this.#state !== 'open') throw new AppError('INTERNAL', `block writer is ${this.#state}`)
    if (this.#ioError !== undefined) throw this.#ioError
  }

  /** Runs `op` after every earlier I/O of this writer; the first failure stops the rest. */
  async #chain (op: () => Promise<void>): Promise<void> {
    this.#io = this.#io.then(async () => {
      if (this.#ioError === undefined && this.#state !== 'aborted') await op()
    }).catch(err => { this.#ioError ??= err })
    await this.#io
  }

  /** Writes the queued blocks the store does not have yet. */
  async #drain (): Promise<void> {
    if (this.#queue.length === 0) return await this.#io
    const batch = this.#queue
    this.#queue = []
    this.#queuedBytes = 0
    await this.#chain(async () => {
      try {
        await this.#write(batch)
      } finally {
        for (const item of batch) item.onWritten?.()
      }
    })
    // a batch the chain skipped (an earlier failure, or an abort) still releases its memory
    if (this.#ioError !== undefined || this.#state === 'aborted') for (const item of batch) item.onWritten?.()
  }

  /** Drops what the store has, assigns offsets to the rest and writes them (on the I/O chain). */
  async #write (batch: Queued[]): Promise<void> {
    const checked = batch.filter(q => !q.force)
    const present = await this.#ctx.hasMany(checked.map(q => q.mh))
    const skip = new Set(checked.filter((_, i) => present[i] === true))
    let pack: OpenPack | undefined
    let chunks: Uint8Array[] = []
    let start = 0
    for (const item of batch) {
      if (skip.has(item)) continue
      const header = encodeRecordHeader(item.mh, item.bytes.length)
      const record = header.length + item.bytes.length
      const current = this.#packs.at(-1)
      if (current === undefined || current.finished || (current.size > packMagic.length && current.size + record > this.#ctx.maxPackBytes)) {
        if (pack !== undefined) await writeFully(pack.handle, chunks, start)
        if (current !== undefined) await this.#finish(current)
        pack = await this.#newPack()
        chunks = [packMagic]
        start = 0
        pack.size = packMagic.length
      } else if (pack === undefined) {
        pack = current
        start = current.size
      }
      chunks.push(header, item.bytes)
      this.#entries.push([item.mh, { pack: pack.id, offset: pack.size + header.length, length: item.bytes.length }])
      pack.size += record
      this.#bytesWritten += item.bytes.length
    }
    if (pack !== undefined && chunks.length > 0) await writeFully(pack.handle, chunks, start)
    if (pack !== undefined) this.#syncInBackground(pack)
  }

  #syncInBackground (pack: OpenPack): void {
    if (!this.#ctx.fsync || pack.size - pack.syncedAt < syncEvery || pack.syncing !== undefined) return
    pack.syncedAt = pack.size
    pack.syncing = this.#ctx.datasync(pack.handle).finally(() => { pack.syncing = undefined })
    pack.syncing.catch(err => { this.#ioError ??= err })
  }

  async #newPack (): Promise<OpenPack> {
    const id = this.#ctx.allocatePackId()
    const pack: OpenPack = { id, handle: await open(join(this.#ctx.dir, packFileName(id)), 'wx', 0o644), size: 0, syncedAt: 0, finished: false }
    this.#packs.push(pack)
    return pack
  }

  async #finish (pack: OpenPack): Promise<void> {
    if (pack.finished) return
    pack.finished = true
    await pack.syncing?.catch(() => {})
    if (this.#ctx.fsync) await this.#ctx.datasync(pack.handle)
    await pack.handle.close()
  }
}
