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
  hasMultihash: (multihash: Uint8Array) => Promise<boolean>
  /** Publishes packs and index entries together with `ops`, atomically. */
  publish: (packs: Array<{ id: number, size: number }>, entries: Array<[Uint8Array, BlockLocation]>, ops: BatchOp[]) => Promise<void>
  /** Called once the writer is finished either way, to drop it from the live set. */
  release: (writer: PackWriter) => void
}

interface OpenPack {
  id: number
  handle: Promise<FileHandle>
  /** Bytes reserved so far (header + records), i.e. the next record's offset. */
  size: number
  /** Bytes handed to the file so far. */
  written: number
  pending: Uint8Array[]
  pendingBytes: number
  /** Flushed, synced and closed (a pack is finished when the writer rolls over or commits). */
  finished: boolean
}

/** Writes all of `chunks` at `position`, coping with short writes and the iovec limit. */
async function writeFully (handle: FileHandle, chunks: Uint8Array[], length: number, position: number): Promise<void> {
  let buffers = chunks.length > 256 ? [Buffer.concat(chunks, length)] : chunks
  let done = 0
  while (done < length) {
    const { bytesWritten } = await handle.writev(buffers, position + done)
    if (bytesWritten === 0) throw new AppError('INTERNAL', 'pack write made no progress (disk full?)')
    done += bytesWritten
    if (done < length) buffers = [Buffer.concat(buffers).subarray(bytesWritten)]
  }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/**
 * A staged writer that appends blocks to fresh pack files. Appends are buffered and written
 * with one `writev` per `flushBytes`; all file I/O runs in order on one promise chain, and a
 * `put` that fills the buffer waits for its flush, which gives the importer backpressure.
 * Index entries stay in memory (about 100 bytes per block) until `commit` publishes them with
 * the packs in one atomic batch; `abort` (or a crash, cleaned at the next start) unlinks the
 * packs and leaves nothing behind.
 */
export class PackWriter implements BlockWriter {
  readonly #ctx: PackWriterContext
  readonly #entries = new Map<string, [Uint8Array, BlockLocation]>()
  readonly #packs: OpenPack[] = []
  #io: Promise<void> = Promise.resolve()
  #ioError: unknown
  #state: 'open' | 'committing' | 'committed' | 'aborted' = 'open'
  #bytesWritten = 0

  constructor (ctx: PackWriterContext) {
    this.#ctx = ctx
  }

  get bytesWritten (): number {
    return this.#bytesWritten
  }

  /** Ids of the packs this writer created (the store keeps them from being swept as orphans). */
  get packIds (): number[] {
    return this.#packs.map(p => p.id)
  }

  async put (cid: CID, bytes: Uint8Array, options: { force?: boolean } = {}): Promise<void> {
    this.#assertOpen()
    const mh = cid.multihash.bytes
    const key = hex(mh)
    if (this.#entries.has(key)) return
    if (options.force !== true && await this.#ctx.hasMultihash(mh)) return
    this.#assertOpen()
    if (this.#entries.has(key)) return
    const pack = this.#packFor(bytes.length + mh.length)
    const header = encodeRecordHeader(mh, bytes.length)
    this.#entries.set(key, [mh, { pack: pack.id, offset: pack.size + header.length, length: bytes.length }])
    pack.size += header.length + bytes.length
    pack.pending.push(header, bytes)
    pack.pendingBytes += header.length + bytes.length
    this.#bytesWritten += bytes.length
    if (pack.pendingBytes >= this.#ctx.flushBytes) await this.#flush(pack)
  }

  async commit (ops: BatchOp[] = []): Promise<void> {
    this.#assertOpen()
    this.#state = 'committing'
    try {
      for (const pack of this.#packs) void this.#flush(pack)
      for (const pack of this.#packs) this.#chain(async () => { await this.#finish(pack) })
      await this.#io
      if (this.#ioError !== undefined) throw this.#ioError
      await this.#ctx.publish(this.#packs.map(p => ({ id: p.id, size: p.size })), [...this.#entries.values()], ops)
      this.#state = 'committed'
    } catch (err) {
      this.#state = 'open'
      await this.abort()
      throw err
    } finally {
      if (this.#state === 'committed') this.#ctx.release(this)
    }
  }

  async abort (): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'aborted') return
    this.#state = 'aborted'
    await this.#io.catch(() => {})
    for (const pack of this.#packs) {
      if (!pack.finished) {
        const handle = await pack.handle.catch(() => undefined)
        await handle?.close().catch(() => {})
      }
      await unlink(join(this.#ctx.dir, packFileName(pack.id))).catch(() => {})
    }
    this.#entries.clear()
    this.#ctx.release(this)
  }

  #assertOpen (): void {
    if (this.#state !== 'open') throw new AppError('INTERNAL', `block writer is ${this.#state}`)
    if (this.#ioError !== undefined) throw this.#ioError
  }

  /** The pack the next record goes to, rolling over to a new one past maxPackBytes. */
  #packFor (recordBytes: number): OpenPack {
    let pack = this.#packs.at(-1)
    if (pack === undefined || (pack.size > packMagic.length && pack.size + recordBytes > this.#ctx.maxPackBytes)) {
      if (pack !== undefined) {
        const full = pack
        void this.#flush(full)
        this.#chain(async () => { await this.#finish(full) })
      }
      const id = this.#ctx.allocatePackId()
      const handle = open(join(this.#ctx.dir, packFileName(id)), 'wx', 0o644)
      handle.catch(() => {})
      pack = { id, handle, size: packMagic.length, written: 0, pending: [packMagic], pendingBytes: packMagic.length, finished: false }
      this.#packs.push(pack)
    }
    return pack
  }

  #chain (op: () => Promise<void>): Promise<void> {
    this.#io = this.#io.then(async () => {
      if (this.#ioError === undefined) await op()
    }).catch(err => { this.#ioError ??= err })
    return this.#io
  }

  #flush (pack: OpenPack): Promise<void> {
    if (pack.pendingBytes === 0) return this.#io
    const chunks = pack.pending
    const length = pack.pendingBytes
    pack.pending = []
    pack.pendingBytes = 0
    return this.#chain(async () => {
      const handle = await pack.handle
      await writeFully(handle, chunks, length, pack.written)
      pack.written += length
    })
  }

  async #finish (pack: OpenPack): Promise<void> {
    if (pack.finished) return
    pack.finished = true
    const handle = await pack.handle
    if (this.#ctx.fsync) await handle.datasync()
    await handle.close()
  }
}
