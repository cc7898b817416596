import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { Mortice } from 'mortice'
import type { CID } from 'multiformats/cid'
import { AppError, isAppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import { staged, type BlockStore } from '../blocks/index.js'
import type { Datastore } from '../store/index.js'
import { importer } from 'ipfs-unixfs-importer'
import { importFile, kuboImporterOptions, metered, uploadBudget, writerSink } from '../unixfs/add.js'
import { chunkerName, type ImportParams } from '../unixfs/params.js'
import { defaultReaderOptions, openFile, type OpenedFile, type ReaderOptions } from '../unixfs/reader.js'
import { ReadBudget } from '../unixfs/read-budget.js'
import { PiecePool, type PiecePoolStats } from '../unixfs/piece-pool.js'
import type { IpfsPath } from '../unixfs/ipfs-path.js'
import type { HashPool } from '../unixfs/hash-pool.js'
import { FileStore } from './file-store.js'
import type { PinStore } from '../pins/pin-store.js'

/** Options of `FilesService.add`. */
export interface AddOptions {
  params: ImportParams
  pin: boolean
  name?: string
  signal?: AbortSignal
  maxBytes?: number
  onProgress?: (bytes: number) => void
}

/** The result of an add. */
export interface AddResult {
  cid: CID
  size: number
  dagSize: number
  name?: string
}

/** One entry of a listing. */
export interface LsLink {
  name: string
  cid: string
  size: number
  type: 'file' | 'directory' | 'raw' | 'object' | 'symlink' | 'unknown'
}

/** What `ls` returns. */
export interface LsResult {
  cid: string
  type: LsLink['type']
  size: number
  links: LsLink[]
}

/** One entry imported by `addAll`. */
export interface ImportedEntry {
  path: string
  cid: CID
  dagSize: number
}

/** The components the service needs. */
export interface FilesComponents {
  blocks: BlockStore
  hashes?: HashPool
  datastore: Datastore
  pins: PinStore
  gcLock: Mortice
  logger: Logger
}

/**
 * Bytes all of a node's file readers together may read ahead of their consumers (see
 * ReadBudget): 16 MiB is 4 windows ahead for four streams at once.
 */
export const defaultReadAheadBytes = 16 * 1024 * 1024

/** Reused memory for serving files over HTTP (see PiecePool): 256 pieces of 64 KiB. */
export const defaultStreamPoolBytes = 16 * 1024 * 1024

/** Turns the exporter's missing-path errors into ours. */
function mapExporterError (err: unknown, path: string): never {
  if (isAppError(err)) throw err
  const name = (err as Error).name
  if (name === 'NotFoundError' || name === 'ERR_NOT_FOUND' || name === 'NoPropError') {
    throw new AppError('PATH_NOT_FOUND', `no such path: ${path}`, { details: { path } })
  }
  if (name === 'NotUnixFSError' || name === 'NoResolverError') throw new AppError('NOT_A_FILE', `${path} is not UnixFS: ${(err as Error).message}`)
  throw err
}

/**
 * Local files: add (kubo-identical CIDs, staged so an abort leaves nothing), open for reading,
 * path resolution and listing. Adds hold the GC lock shared, so a GC never sweeps blocks an
 * add is about to reference.
 */
export class FilesService {
  readonly #blocks: BlockStore
  readonly #pins: PinStore
  readonly #files: FileStore
  readonly #gcLock: Mortice
  readonly #hashes?: HashPool
  readonly #log: Logger
  readonly #reader: ReaderOptions

  constructor (components: FilesComponents) {
    this.#blocks = components.blocks
    this.#pins = components.pins
    this.#files = new FileStore(components.datastore)
    this.#gcLock = components.gcLock
    if (components.hashes !== undefined) this.#hashes = components.hashes
    this.#log = components.logger.child({ component: 'files' })
    this.#reader = { ...defaultReaderOptions, budget: new ReadBudget(defaultReadAheadBytes), pool: new PiecePool(64 * 1024, defaultStreamPoolBytes) }
  }

  /** What the shared read-path memory holds now (read-ahead budget, streaming pool). */
  readStats (): { readAhead: ReturnType<ReadBudget['stats']>, streamPool: PiecePoolStats } {
    return { readAhead: (this.#reader.budget as ReadBudget).stats(), streamPool: (this.#reader.pool as PiecePool).stats() }
  }

  /** The file records (name, parameters) of imported files. */
  get records (): FileStore {
    return this.#files
  }

  /**
   * Imports a byte stream as a UnixFS file. The blocks, the pin and the file record become
   * visible in one atomic commit; on any error or abort nothing is left behind.
   */
  async add (source: AsyncIterable<Uint8Array>, options: AddOptions): Promise<AddResult> {
    return await staged(this.#blocks, this.#gcLock, async writer => {
      const imported = await importFile(source, writer, options.params, { ...options, ...(this.#hashes !== undefined ? { hashes: this.#hashes } : {}) })
      const now = new Date().toISOString()
      const named = options.name !== undefined ? { name: options.name } : {}
      const ops = [this.#files.putOp(imported.cid, {
        ...named,
        size: imported.size,
        cidVersion: options.params.cidVersion,
        rawLeaves: options.params.rawLeaves,
        chunker: chunkerName(options.params.chunkSize),
        added: now
      })]
      if (options.pin && (await this.#pins.get(imported.cid))?.type !== 'recursive') {
        ops.push(this.#pins.putOp(imported.cid, { type: 'recursive', ...named, created: now }))
      }
      this.#log.debug({ cid: imported.cid.toString(), size: imported.size }, 'added file')
      return { result: { cid: imported.cid, size: imported.size, dagSize: imported.dagSize, ...named }, ops }
    })
  }

  /**
   * Imports several files and directories (kubo's multi-file `add`), optionally wrapped in a
   * directory. Top-level entries (or the wrapper) are pinned when `pin` is set. Everything is
   * committed at once after the last entry; results are returned only after the commit.
   */
  async addAll (entries: AsyncIterable<{ path: string, content?: AsyncIterable<Uint8Array> }>, options: AddOptions & { wrapWithDirectory?: boolean, onEntryProgress?: (path: string, bytes: number, done: boolean) => void }): Promise<ImportedEntry[]> {
    return await staged(this.#blocks, this.#gcLock, async writer => {
      const budget = uploadBudget(options.maxBytes, options.signal)
      const candidates = async function * (): AsyncGenerator<{ path: string, content?: AsyncIterable<Uint8Array> }> {
        for await (const { path, content } of entries) {
          yield content === undefined ? { path } : { path, content: metered(content, budget, (bytes, done) => { options.onEntryProgress?.(path, bytes, done) }) }
        }
      }
      const results: ImportedEntry[] = []
      const importerOptions = { ...kuboImporterOptions(options.params, this.#hashes), wrapWithDirectory: options.wrapWithDirectory === true, fileImportConcurrency: 1 }
      for await (const entry of importer(candidates(), writerSink(writer), importerOptions)) {
        results.push({ path: entry.path ?? '', cid: entry.cid, dagSize: Number(entry.size) })
      }
      options.signal?.throwIfAborted()
      const now = new Date().toISOString()
      const roots = results.filter(r => options.wrapWithDirectory === true ? r.path === '' : !r.path.includes('/'))
      return { result: results, ops: options.pin ? roots.map(r => this.#pins.putOp(r.cid, { type: 'recursive', created: now })) : [] }
    })
  }

  /** Resolves an IPFS path to the CID it names (directories walked with the UnixFS exporter). */
  async resolve (path: IpfsPath, signal?: AbortSignal): Promise<CID> {
    if (path.segments.length === 0) return path.cid
    return (await this.#entry(path, signal)).cid
  }

  /** Opens the file an IPFS path names, for streaming reads. */
  async open (path: IpfsPath, signal?: AbortSignal): Promise<OpenedFile> {
    const cid = await this.resolve(path, signal)
    return await openFile(this.#blocks, cid, this.#reader)
  }

  /** Lists a directory's entries, or a file's blocks (as kubo's `ls` does). */
  async ls (path: IpfsPath, signal?: AbortSignal): Promise<LsResult> {
    const entry = await this.#entry(path, signal)
    const links: LsLink[] = []
    if (entry.type === 'directory') {
      for await (const child of entry.entries({ signal })) {
        const resolved = await exporter(child.cid, exporterBlockstore(this.#blocks), { signal }).catch(() => undefined)
        links.push({ name: child.name, cid: child.cid.toString(), size: Number(child.size), type: resolved === undefined ? 'unknown' : entryType(resolved) })
      }
    } else if (entry.type === 'file') {
      for (const link of entry.node.Links) {
        links.push({ name: link.Name ?? '', cid: link.Hash.toString(), size: link.Tsize ?? 0, type: link.Hash.code === 0x55 ? 'raw' : 'file' })
      }
    }
    return { cid: entry.cid.toString(), type: entryType(entry), size: Number(entry.size), links }
  }

  async #entry (path: IpfsPath, signal?: AbortSignal): Promise<UnixFSEntry> {
    const text = [path.cid.toString(), ...path.segments].join('/')
    try {
      return await exporter(text, exporterBlockstore(this.#blocks), { signal })
    } catch (err) {
      mapExporterError(err, text)
    }
  }
}

function entryType (entry: UnixFSEntry): LsLink['type'] {
  if (entry.type === 'identity') return 'raw'
  if ((entry.type === 'file' || entry.type === 'directory') && entry.unixfs.type === 'symlink') return 'symlink'
  return entry.type
}

/** Adapts the block store to the exporter's `get` (an iterable of byte chunks). */
export function exporterBlockstore (blocks: BlockStore): { get: (cid: CID, options?: { signal?: AbortSignal }) => AsyncGenerator<Uint8Array> } {
  return {
    get: async function * (cid, options) { yield await blocks.get(cid, options) }
  }
}
