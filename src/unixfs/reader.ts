import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { AppError } from '../errors/index.js'
import type { BlockStore, ReadPriority } from '../blocks/index.js'
import { codecs, isInline } from './codecs.js'
import type { Readable } from 'node:stream'
import { fileStream } from './file-stream.js'
import type { PiecePool } from './piece-pool.js'
import type { ReadBudget } from './read-budget.js'

/** A file opened for reading: its size is known before any content is read. */
export interface OpenedFile {
  cid: CID
  size: number
  /**
   * Streams bytes [offset, offset + length) of the file. With `pool`, chunks of raw leaves are
   * pieces lent from it: the consumer must `pool.give(chunk)` once nothing refers to the chunk
   * (see fileStream, which does); without, every chunk is the consumer's to keep.
   */
  read: (options?: ReadRange & { signal?: AbortSignal, pool?: PiecePool }) => AsyncGenerator<Uint8Array>
  /**
   * The same bytes as a Readable for an HTTP response, written from reused memory when piped
   * (see fileStream). Present when the file was opened with a pool.
   */
  stream?: (range: ReadRange) => Readable
}

export interface ReadRange {
  offset?: number
  length?: number
}

/** Read-ahead of the reader: windows of blocks (one coalesced read each), several in flight. */
export interface ReaderOptions {
  windowBlocks: number
  windowBytes: number
  /** Most windows read ahead of the one being consumed. */
  readAhead: number
  /** Shared by the readers of a node: windows ahead are read only while it has room. */
  budget?: ReadBudget
  /** Shared by the readers of a node: reused memory for `OpenedFile.stream`. */
  pool?: PiecePool
}

/**
 * 1 MiB windows, up to 4 ahead: small reads into fresh buffers cost far less than big ones (page
 * faults), and four in flight keep the disk thread busy while the consumer works. Without a
 * budget every reader reads 4 ahead; FilesService shares one among its readers.
 */
export const defaultReaderOptions: ReaderOptions = { windowBlocks: 16, windowBytes: 1024 * 1024, readAhead: 4 }

/**
 * Size of the buffers raw leaves are read into without a pool (see BlockStore.getPieces): below
 * glibc's initial mmap threshold (128 KiB), so malloc recycles them.
 */
const streamPieceBytes = 64 * 1024

interface Child {
  cid: CID
  /** File offset of the child's first byte. */
  start: number
  /** File bytes under the child. */
  size: number
}

interface Decoded {
  /** File offset of the node's first byte (its inline data, then its children). */
  start: number
  data?: Uint8Array
  children: Child[]
}

function decodeFileNode (cid: CID, bytes: Uint8Array, start: number): Decoded {
  if (cid.code === codecs.raw) return { start, data: bytes, children: [] }
  if (cid.code !== codecs.dagPb) throw new AppError('NOT_A_FILE', `${cid.toString()} is not a UnixFS file (codec 0x${cid.code.toString(16)})`)
  const node = dagPb.decode(bytes)
  if (node.Data === undefined) throw new AppError('NOT_A_FILE', `${cid.toString()} is a dag-pb node without UnixFS data`)
  const unixfs = UnixFS.unmarshal(node.Data)
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') throw new AppError('NOT_A_FILE', `${cid.toString()} is a UnixFS ${unixfs.type}, not a file`)
  if (node.Links.length !== unixfs.blockSizes.length) throw new AppError('CORRUPT_BLOCK', `${cid.toString()}: links and block sizes disagree`)
  let offset = start + (unixfs.data?.length ?? 0)
  const children = node.Links.map((link, i) => {
    const child = { cid: link.Hash, start: offset, size: Number(unixfs.blockSizes[i]) }
    offset += child.size
    return child
  })
  return { start, data: unixfs.data, children }
}

function fileSizeOf (cid: CID, bytes: Uint8Array): number {
  if (cid.code === codecs.raw) return bytes.length
  const decoded = decodeFileNode(cid, bytes, 0)
  return (decoded.data?.length ?? 0) + decoded.children.reduce((n, c) => n + c.size, 0)
}

/**
 * Opens a UnixFS file (or raw block) for streaming. Unlike the exporter's `content()`, whose
 * walker pushes into an unbounded queue however slow the consumer is, this reader is pulled:
 * it keeps one window of blocks being consumed and up to `readAhead` being read, so memory stays
 * at about (readAhead + 1) × windowBytes per reader, and each window is one coalesced read. With
 * a budget, only the next window is read unconditionally and the ones beyond take budget, so
 * all readers together hold at most 2 windows each plus the budget. Raw leaves are read into
 * 64 KiB pieces (from `pool` when there is one), other blocks whole.
 */
export async function openFile (blocks: BlockStore, cid: CID, options: ReaderOptions = defaultReaderOptions): Promise<OpenedFile> {
  if (isInline(cid)) throw new AppError('NOT_A_FILE', `${cid.toString()} is an inline (identity) CID`)
  const rootBytes = await blocks.get(cid)
  const size = fileSizeOf(cid, rootBytes)
  const pool = options.pool
  const opened: OpenedFile = {
    cid,
    size,
    read: (range = {}) => readRange(blocks, cid, rootBytes, size, range, options),
    ...(pool !== undefined ? { stream: (range: ReadRange) => fileStream(opened, range, pool) } : {})
  }
  return opened
}

function clampRange (size: number, range: ReadRange): { from: number, to: number } {
  const offset = range.offset ?? 0
  const length = range.length ?? size
  if (!Number.isSafeInteger(offset) || offset < 0) throw new AppError('INVALID_PARAMETER', `offset must be a non-negative integer, got ${offset}`)
  if (!Number.isSafeInteger(length) || length < 0) throw new AppError('INVALID_PARAMETER', `length must be a non-negative integer, got ${length}`)
  const from = Math.min(offset, size)
  return { from, to: Math.min(size, from + length) }
}

function slice (data: Uint8Array, start: number, from: number, to: number): Uint8Array | undefined {
  const a = Math.max(from, start) - start
  const b = Math.min(to, start + data.length) - start
  return b > a ? data.subarray(a, b) : undefined
}

async function * readRange (blocks: BlockStore, cid: CID, rootBytes: Uint8Array, size: number, range: ReadRange & { signal?: AbortSignal, pool?: PiecePool }, options: ReaderOptions): AsyncGenerator<Uint8Array> {
  const { from, to } = clampRange(size, range)
  if (to <= from) return
  const progress = { emitted: 0 }
  const walkOptions: WalkOptions = { ...options, ...(range.pool !== undefined ? { pool: range.pool } : {}), ...(range.signal !== undefined ? { signal: range.signal } : {}) }
  for await (const chunk of walk(blocks, decodeFileNode(cid, rootBytes, 0), from, to, walkOptions, progress)) {
    progress.emitted += chunk.length
    yield chunk
  }
  const emitted = progress.emitted
  if (emitted !== to - from) throw new AppError('CORRUPT_BLOCK', `${cid.toString()}: read ${emitted} bytes where the DAG promises ${to - from}`)
}

interface WalkOptions extends ReaderOptions {
  pool?: PiecePool
  signal?: AbortSignal
}

/** One child of a window as fetched: a raw leaf in pieces (streamed as they are), or a whole block (decoded). */
type Fetched = Uint8Array | Uint8Array[]

interface Fetch {
  window: Child[]
  blocks: Promise<Fetched[]>
  /** Bytes of the read budget this read holds (0 for the window the consumer waits for). */
  budgeted: number
}

async function * walk (blocks: BlockStore, node: Decoded, from: number, to: number, options: WalkOptions, progress: { emitted: number }): AsyncGenerator<Uint8Array> {
  if (node.data !== undefined) {
    const part = slice(node.data, node.start, from, to)
    if (part !== undefined) yield part
  }
  const wanted = node.children.filter(c => c.start < to && c.start + c.size > from && c.size > 0)
  const windows = windowsOf(wanted, options)
  const inFlight: Fetch[] = []
  let requested = 0
  let current: Fetch | undefined
  /** Pieces of the current window not handed to the consumer yet (given back if we stop). */
  let unsent: Uint8Array[] = []
  const topUp = (): void => {
    while (requested < windows.length && inFlight.length <= options.readAhead) {
      const window = windows[requested] as Child[]
      let budgeted = 0
      // The next window after the one being consumed is free (so a reader always makes progress
      // and keeps one read in flight while its consumer works); windows beyond it need budget.
      if ((inFlight.length > 0 || current !== undefined) && options.budget !== undefined) {
        budgeted = window.reduce((n, c) => n + c.size, 0)
        if (!options.budget.tryTake(budgeted)) return
      }
      // until the read has sent something, its client waits for the response to start
      const fetch = fetchWindow(blocks, window, progress.emitted === 0 && inFlight.length === 0 ? 'first' : 'stream', options)
      fetch.catch(() => {})
      inFlight.push({ window, blocks: fetch, budgeted })
      requested++
    }
  }
  try {
    while (requested < windows.length || inFlight.length > 0) {
      topUp()
      current = inFlight.shift() as Fetch
      const fetched = await current.blocks
      unsent = fetched.flatMap(f => Array.isArray(f) ? f : [])
      topUp()
      for (let i = 0; i < current.window.length; i++) {
        const child = current.window[i] as Child
        const bytes = fetched[i] as Fetched
        if (Array.isArray(bytes)) {
          let start = child.start
          for (const piece of bytes) {
            unsent.shift()
            const part = slice(piece, start, from, to)
            start += piece.length
            if (part !== undefined) yield part
            else options.pool?.give(piece)
          }
          continue
        }
        if (child.cid.code === codecs.raw) {
          const part = slice(bytes, child.start, from, to)
          if (part !== undefined) yield part
          continue
        }
        yield * walk(blocks, decodeFileNode(child.cid, bytes, child.start), from, to, options, progress)
      }
      options.budget?.give(current.budgeted)
      current = undefined
    }
  } finally {
    // stopped early (the client went away) or failed: what was read but not sent goes back
    if (current !== undefined) options.budget?.give(current.budgeted)
    for (const piece of unsent) options.pool?.give(piece)
    for (const f of inFlight.splice(0)) {
      options.budget?.give(f.budgeted)
      f.blocks.then(fetched => { for (const b of fetched) if (Array.isArray(b)) for (const piece of b) options.pool?.give(piece) }, () => {})
    }
  }
}

function windowsOf (children: Child[], options: ReaderOptions): Child[][] {
  const windows: Child[][] = []
  let current: Child[] = []
  let bytes = 0
  for (const child of children) {
    if (current.length > 0 && (current.length >= options.windowBlocks || bytes + child.size > options.windowBytes)) {
      windows.push(current)
      current = []
      bytes = 0
    }
    current.push(child)
    bytes += child.size
  }
  if (current.length > 0) windows.push(current)
  return windows
}

async function fetchWindow (blocks: BlockStore, window: Child[], priority: ReadPriority, options: WalkOptions): Promise<Fetched[]> {
  options.signal?.throwIfAborted()
  const cids = window.map(c => c.cid)
  const read = { priority, ...(options.signal !== undefined ? { signal: options.signal } : {}) }
  // a node's children are all leaves or all inner nodes; raw leaves are streamed as pieces
  if (!window.every(c => c.cid.code === codecs.raw)) return await blocks.getMany(cids, read)
  const pool = options.pool
  if (pool === undefined) return await blocks.getPieces(cids, { ...read, pieceBytes: streamPieceBytes, alloc: length => Buffer.allocUnsafe(length) })
  return await blocks.getPieces(cids, { ...read, pieceBytes: pool.pieceBytes, alloc: length => pool.take(length), release: piece => { pool.give(piece) } })
}
