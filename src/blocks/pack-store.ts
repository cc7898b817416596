import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbortOptions } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import Type from 'typebox'
import { buckets, type Bucket, type BatchOp, type Datastore, type Table } from '../store/index.js'
import type { BlockLocation, BlockStore, BlockWriter, PieceOptions, ReadOptions, SweepResult } from './interface.js'
import { encodeLocation, packFileName, parsePackFileName, recordHeaderLength, tryDecodeLocation } from './pack-format.js'
import { PackWriter } from './pack-writer.js'
import { ReadQueue } from './read-queue.js'
import { LocationCache, locationKey } from './location-cache.js'

/** Options of the pack block store (defaults in `defaultPackStoreOptions`). */
export interface PackStoreOptions {
  /** Folder of the pack files (the repo's `blocks/`). */
  dir: string
  /** fsync packs before a commit is acknowledged. */
  fsync: boolean
  /** Append buffer of a writer; one write per this many bytes. */
  flushBytes: number
  /** A writer starts a new pack past this size. */
  maxPackBytes: number
  /** Pack file handles kept open for reads. */
  maxOpenPacks: number
  /** Largest single read when coalescing adjacent blocks. */
  maxReadBytes: number
  /** Pack reads in libuv's thread pool at once (see ReadQueue). */
  maxConcurrentReads: number
  /** Index entries of recently read blocks kept in memory (see LocationCache); 0: none. */
  cachedLocations: number
}

export const defaultPackStoreOptions: Omit<PackStoreOptions, 'dir'> = {
  fsync: true,
  flushBytes: 4 * 1024 * 1024,
  maxPackBytes: 1024 * 1024 * 1024,
  maxOpenPacks: 64,
  maxReadBytes: 8 * 1024 * 1024,
  maxConcurrentReads: 8,
  cachedLocations: 16384
}

/** Components the store needs. */
export interface PackStoreComponents {
  datastore: Datastore
  logger: Logger
}

interface PendingCommit {
  ops: BatchOp[]
  resolve: () => void
  reject: (err: unknown) => void
}

const PackRecordSchema = Type.Object({ size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), created: Type.String({ maxLength: 64 }) })


/** A pack with less than this share of live bytes is rewritten by a sweep. */
const compactBelow = 0.5

/**
 * Blocks stored in append-only pack files, indexed in LevelDB (multihash -> pack, offset,
 * length). Chosen over one-file-per-block (kubo's flatfs) because an add then costs one
 * sequential write and one fsync, becomes visible in the same atomic batch as its pin, and a
 * file's blocks sit next to each other, so reads coalesce into a few large preads.
 */
export class PackBlockStore implements BlockStore {
  readonly #opts: PackStoreOptions
  readonly #datastore: Datastore
  readonly #log: Logger
  readonly #index: Bucket<Uint8Array, Uint8Array>
  readonly #packs: Table<typeof PackRecordSchema>
  readonly #handles = new Map<number, Promise<FileHandle>>()
  readonly #writers = new Set<PackWriter>()
  readonly #reads: ReadQueue
  readonly #locations: LocationCache
  /** fdatasyncs of pack files in the thread pool at once (see #commitGroup for why it matters). */
  readonly #syncs = new ReadQueue(1)
  readonly #commits: PendingCommit[] = []
  #committing = false
  #nextPackId = 1

  constructor (options: Partial<PackStoreOptions> & { dir: string }, components: PackStoreComponents) {
    this.#opts = { ...defaultPackStoreOptions, ...options }
    this.#datastore = components.datastore
    this.#log = components.logger.child({ component: 'blocks' })
    this.#index = components.datastore.bucket(buckets.blocks, 'view', 'view')
    this.#packs = components.datastore.table(buckets.packs, PackRecordSchema)
    this.#reads = new ReadQueue(this.#opts.maxConcurrentReads)
    this.#locations = new LocationCache(this.#opts.cachedLocations)
  }

  /** Creates the folder, deletes packs no commit published (a crash or kill mid-add). */
  async start (): Promise<void> {
    await mkdir(this.#opts.dir, { recursive: true })
    const known = new Set<number>()
    for await (const key of this.#packs.keys()) known.add(Number(key))
    let max = 0
    for (const name of await readdir(this.#opts.dir)) {
      const id = parsePackFileName(name)
      if (id === undefined) continue
      max = Math.max(max, id)
      if (!known.has(id)) {
        await unlink(join(this.#opts.dir, name))
        this.#log.info({ pack: id }, 'removed unpublished pack left by an interrupted add')
      }
    }
    for (const id of known) max = Math.max(max, id)
    this.#nextPackId = max + 1
  }

  /** Aborts open writers and closes pack handles. */
  async stop (): Promise<void> {
    await Promise.all([...this.#writers].map(async w => { await w.abort() }))
    await Promise.all([...this.#handles.keys()].map(async id => { await this.#closeHandle(id) }))
  }

  async has (cid: CID): Promise<boolean> {
    return (await this.#index.get(cid.multihash.bytes)) !== undefined
  }

  async hasMany (cids: CID[]): Promise<boolean[]> {
    if (cids.length === 0) return []
    return (await this.#index.getMany(cids.map(c => c.multihash.bytes))).map(v => v !== undefined)
  }

  async size (cid: CID): Promise<number | undefined> {
    const value = await this.#index.get(cid.multihash.bytes)
    return value === undefined ? undefined : tryDecodeLocation(value)?.length
  }

  async get (cid: CID, options?: AbortOptions): Promise<Uint8Array> {
    const [block] = await this.getMany([cid], options)
    return block as Uint8Array
  }

  async getMany (cids: CID[], options?: ReadOptions): Promise<Uint8Array[]> {
    try {
      return await this.#readMany(cids, options, true)
    } catch (err) {
      // a sweep may have moved a block between our index lookup and the read: look up again once
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EBADF') throw err
      return await this.#readMany(cids, options, false)
    }
  }

  async getPieces (cids: CID[], options: ReadOptions & PieceOptions): Promise<Uint8Array[][]> {
    if (!Number.isSafeInteger(options.pieceBytes) || options.pieceBytes < 1) throw new RangeError(`pieceBytes must be a positive integer, got ${options.pieceBytes}`)
    try {
      return await this.#readPieces(cids, options, options, true)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EBADF') throw err
      return await this.#readPieces(cids, options, options, false)
    }
  }

  writer (): BlockWriter {
    const writer = new PackWriter({
      dir: this.#opts.dir,
      fsync: this.#opts.fsync,
      flushBytes: this.#opts.flushBytes,
      maxPackBytes: this.#opts.maxPackBytes,
      allocatePackId: () => this.#nextPackId++,
      hasMany: async mhs => mhs.length === 0 ? [] : (await this.#index.getMany(mhs)).map(v => v !== undefined),
      publish: async (packs, entries, ops) => { await this.#publish(packs, entries, ops) },
      datasync: async handle => { await this.#syncs.run('first', async () => { await handle.datasync() }) },
      release: w => { this.#writers.delete(w) }
    })
    this.#writers.add(writer)
    return writer
  }

  async sweep (isLive: (multihash: Uint8Array) => boolean, options?: AbortOptions): Promise<SweepResult> {
    const result: SweepResult = { removedBlocks: 0, freedBytes: 0, removed: [] }
    const liveBytes = new Map<number, number>()
    let ops: BatchOp[] = []
    for await (const [mh, value] of this.#index.iterator()) {
      options?.signal?.throwIfAborted()
      const loc = tryDecodeLocation(value)
      if (loc === undefined) {
        // a corrupt index record points nowhere: it goes (it could never be read)
        this.#log.warn({ key: Buffer.from(mh).toString('hex').slice(0, 80) }, 'corrupt block index record removed')
        ops.push({ type: 'del', sublevel: this.#index, key: mh })
        continue
      }
      if (isLive(mh)) {
        liveBytes.set(loc.pack, (liveBytes.get(loc.pack) ?? 0) + recordHeaderLength(mh.length) + loc.length)
        continue
      }
      ops.push({ type: 'del', sublevel: this.#index, key: mh })
      result.removedBlocks++
      result.freedBytes += loc.length
      try { result.removed.push(CID.createV1(raw.code, Digest.decode(mh))) } catch {}
      if (ops.length >= 1000) { await this.#datastore.batch(ops, true); this.#locations.clear(); ops = [] }
    }
    await this.#datastore.batch(ops, true)
    // removed blocks must not be served from a remembered location
    this.#locations.clear()
    const writing = new Set([...this.#writers].flatMap(w => (w as PackWriter).packIds))
    for await (const [key, record] of this.#packs.entries()) {
      const id = Number(key)
      if (writing.has(id)) continue
      const live = liveBytes.get(id) ?? 0
      if (live === 0) await this.#removePack(id)
      else if (live < record.size * compactBelow) await this.#compact(id, options)
    }
    return result
  }

  async stat (): Promise<{ blocks: number, bytes: number, packs: number }> {
    let blocks = 0
    let bytes = 0
    let packs = 0
    for await (const value of this.#index.values()) {
      const loc = tryDecodeLocation(value)
      if (loc === undefined) continue
      blocks++
      bytes += loc.length
    }
    for await (const _ of this.#packs.keys()) packs++
    return { blocks, bytes, packs }
  }

  async #publish (packs: Array<{ id: number, size: number }>, entries: Array<[Uint8Array, BlockLocation]>, ops: BatchOp[]): Promise<void> {
    const created = new Date().toISOString()
    const all: BatchOp[] = packs.map(p => this.#packs.putOp(String(p.id), { size: p.size, created }))
    for (const [mh, loc] of entries) all.push({ type: 'put', sublevel: this.#index, key: mh, value: encodeLocation(loc) })
    all.push(...ops)
    await new Promise<void>((resolve, reject) => {
      this.#commits.push({ ops: all, resolve, reject })
      this.#commitGroup()
    })
  }

  /**
   * Group commit: while one synced batch is being written, the commits that arrive wait and go
   * out together in the next one — one LevelDB write and one fsync for all of them, each still
   * atomic (a batch is). Twenty concurrent adds otherwise each hold one of libuv's four pool
   * threads in a synced write, queued on LevelDB's write lock, and every read waits behind them.
   */
  #commitGroup (): void {
    if (this.#committing || this.#commits.length === 0) return
    const group = this.#commits.splice(0)
    this.#committing = true
    this.#datastore.batch(group.length === 1 ? (group[0] as PendingCommit).ops : group.flatMap(g => g.ops), this.#opts.fsync).then(
      () => { for (const g of group) g.resolve() },
      (err: unknown) => { for (const g of group) g.reject(err) }
    ).finally(() => {
      this.#committing = false
      this.#commitGroup()
    })
  }

  /** Where each block lives: from the cache when `cached`, else (and for what it lacks) from the index. */
  async #locate (cids: CID[], cached: boolean): Promise<BlockLocation[]> {
    const keys = cids.map(c => locationKey(c.multihash.bytes))
    const locs = new Array<BlockLocation>(cids.length)
    const missing: number[] = []
    for (let i = 0; i < keys.length; i++) {
      const loc = cached ? this.#locations.get(keys[i] as string) : undefined
      if (loc !== undefined) locs[i] = loc
      else missing.push(i)
    }
    if (missing.length === 0) return locs
    const values = await this.#index.getMany(missing.map(i => (cids[i] as CID).multihash.bytes))
    values.forEach((value, j) => {
      const i = missing[j] as number
      if (value === undefined) throw new AppError('BLOCK_NOT_FOUND', `block ${cids[i]?.toString()} not found in the local store`, { details: { cid: cids[i]?.toString() } })
      const loc = tryDecodeLocation(value)
      if (loc === undefined) throw new AppError('CORRUPT_BLOCK', `the index record of block ${cids[i]?.toString()} is damaged`, { details: { cid: cids[i]?.toString() } })
      this.#locations.set(keys[i] as string, loc)
      locs[i] = loc
    })
    return locs
  }

  async #readMany (cids: CID[], options: ReadOptions | undefined, cached: boolean): Promise<Uint8Array[]> {
    const out = new Array<Uint8Array>(cids.length)
    await this.#readRuns(cids, options, cached, async (pack, offset, length) => await this.#readRange(pack, offset, length, options), (buf, i, from, to) => { out[i] = buf.subarray(from, to) })
    return out
  }

  async #readPieces (cids: CID[], pieces: PieceOptions, options: ReadOptions | undefined, cached: boolean): Promise<Uint8Array[][]> {
    const out = new Array<Uint8Array[]>(cids.length)
    await this.#readRuns(cids, options, cached, async (pack, offset, _length, blocks) => await this.#readRangePieces(pack, offset, blocks, pieces, options), (run, i, _from, _to, k) => { out[i] = run[k] as Uint8Array[] })
    return out
  }

  /**
   * Looks the blocks up, groups adjacent ones of a pack into runs (one I/O each, through the
   * read queue) and hands each block's part of its run's result to `place` (by byte range within
   * the run, and by index `k` within the run).
   */
  async #readRuns<R> (cids: CID[], options: ReadOptions | undefined, cached: boolean, read: (pack: number, offset: number, length: number, blocks: BlockLocation[]) => Promise<R>, place: (run: R, index: number, from: number, to: number, k: number) => void): Promise<void> {
    const locs = await this.#locate(cids, cached)
    const reads: Array<Promise<void>> = []
    for (let start = 0; start < locs.length;) {
      let end = start + 1
      const first = locs[start] as BlockLocation
      let last = first
      while (end < locs.length) {
        const next = locs[end] as BlockLocation
        const gap = next.offset - (last.offset + last.length)
        if (next.pack !== first.pack || gap < 0 || gap > 4096 || next.offset + next.length - first.offset > this.#opts.maxReadBytes) break
        last = next
        end++
      }
      const runStart = start
      const runEnd = end
      const length = last.offset + last.length - first.offset
      reads.push(this.#reads.run(options?.priority ?? 'first', async () => await read(first.pack, first.offset, length, locs.slice(runStart, runEnd))).then(run => {
        for (let i = runStart; i < runEnd; i++) {
          const loc = locs[i] as BlockLocation
          place(run, i, loc.offset - first.offset, loc.offset - first.offset + loc.length, i - runStart)
        }
      }))
      start = end
    }
    await Promise.all(reads)
  }

  async #readRange (pack: number, offset: number, length: number, options?: AbortOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const handle = await this.#handle(pack)
    const buf = Buffer.allocUnsafe(length)
    const { bytesRead } = await handle.read(buf, 0, length, offset)
    if (bytesRead !== length) {
      throw new AppError('CORRUPT_BLOCK', `pack ${pack} is shorter than its index says (wanted ${length} bytes at ${offset}, got ${bytesRead})`)
    }
    return buf
  }

  /**
   * Reads a run of adjacent blocks of a pack with one readv: each block into pieces of at most
   * `pieceBytes` from `alloc` (a piece never holds two blocks' bytes), the record headers and
   * gaps between them into scratch memory. Pieces are given back to `release` on failure.
   */
  async #readRangePieces (pack: number, offset: number, blocks: BlockLocation[], pieces: PieceOptions, options?: AbortOptions): Promise<Uint8Array[][]> {
    options?.signal?.throwIfAborted()
    const handle = await this.#handle(pack)
    const perBlock: Uint8Array[][] = []
    const iov: Uint8Array[] = []
    let at = offset
    for (const loc of blocks) {
      if (loc.offset > at) iov.push(scratchFor(loc.offset - at))
      const list: Uint8Array[] = []
      for (let done = 0; done < loc.length; done += pieces.pieceBytes) list.push(pieces.alloc(Math.min(pieces.pieceBytes, loc.length - done)))
      iov.push(...list)
      perBlock.push(list)
      at = loc.offset + loc.length
    }
    const length = at - offset
    try {
      for (let done = 0; done < length;) {
        // after a short read (rare), go on from where it stopped
        const { bytesRead } = await handle.readv(done === 0 ? iov : skipBytes(iov, done), offset + done)
        if (bytesRead === 0) throw new AppError('CORRUPT_BLOCK', `pack ${pack} is shorter than its index says (wanted ${length} bytes at ${offset}, got ${done})`)
        done += bytesRead
      }
    } catch (err) {
      for (const list of perBlock) for (const piece of list) pieces.release?.(piece)
      throw err
    }
    return perBlock
  }

  async #handle (pack: number): Promise<FileHandle> {
    let handle = this.#handles.get(pack)
    if (handle !== undefined) {
      this.#handles.delete(pack)
      this.#handles.set(pack, handle)
      return await handle
    }
    handle = open(join(this.#opts.dir, packFileName(pack)), 'r')
    this.#handles.set(pack, handle)
    handle.catch(() => { if (this.#handles.get(pack) === handle) this.#handles.delete(pack) })
    if (this.#handles.size > this.#opts.maxOpenPacks) {
      const oldest = this.#handles.keys().next().value as number
      void this.#closeHandle(oldest)
    }
    return await handle
  }

  async #closeHandle (pack: number): Promise<void> {
    const handle = this.#handles.get(pack)
    if (handle === undefined) return
    this.#handles.delete(pack)
    await (await handle.catch(() => undefined))?.close().catch(() => {})
  }

  async #removePack (id: number): Promise<void> {
    await this.#datastore.batch([this.#packs.delOp(String(id))], true)
    await this.#closeHandle(id)
    await unlink(join(this.#opts.dir, packFileName(id))).catch(() => {})
    this.#log.debug({ pack: id }, 'removed empty pack')
  }

  /** Rewrites the live blocks of pack `id` into a new pack, then deletes the old one. */
  async #compact (id: number, options?: AbortOptions): Promise<void> {
    const writer = this.writer()
    try {
      for await (const [mh, value] of this.#index.iterator()) {
        options?.signal?.throwIfAborted()
        const loc = tryDecodeLocation(value)
        if (loc?.pack !== id) continue
        const bytes = await this.#readRange(id, loc.offset, loc.length)
        await writer.put(CID.createV1(raw.code, Digest.decode(mh)), bytes, { force: true })
      }
      await writer.commit([this.#packs.delOp(String(id))])
      // the blocks have new locations now
      this.#locations.clear()
    } catch (err) {
      await writer.abort()
      throw err
    }
    await this.#closeHandle(id)
    await unlink(join(this.#opts.dir, packFileName(id))).catch(() => {})
    this.#log.debug({ pack: id }, 'compacted pack')
  }
}

/** Memory for the headers and gaps between the blocks of a run; read into and never looked at. */
let scratch = Buffer.allocUnsafe(8192)

function scratchFor (length: number): Uint8Array {
  if (length > scratch.length) scratch = Buffer.allocUnsafe(length)
  return scratch.subarray(0, length)
}

/** `buffers` less their first `skip` bytes, as views. */
function skipBytes (buffers: Uint8Array[], skip: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const b of buffers) {
    if (skip >= b.length) { skip -= b.length; continue }
    out.push(skip > 0 ? b.subarray(skip) : b)
    skip = 0
  }
  return out
}
