import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { AppError } from '../errors/index.js'
import type { BlockStore } from '../blocks/index.js'
import { codecs, isInline } from './codecs.js'

/** A file opened for reading: its size is known before any content is read. */
export interface OpenedFile {
  cid: CID
  size: number
  /** Streams bytes [offset, offset + length) of the file. */
  read: (options?: ReadRange & { signal?: AbortSignal }) => AsyncGenerator<Uint8Array>
}

export interface ReadRange {
  offset?: number
  length?: number
}

/** Read-ahead of the reader: windows of blocks (one coalesced read each), several in flight. */
export interface ReaderOptions {
  windowBlocks: number
  windowBytes: number
  /** Windows read ahead of the one being consumed. */
  readAhead: number
}

/**
 * 1 MiB windows, 4 ahead: small reads into fresh buffers cost far less than big ones (page
 * faults), and four in flight keep the disk thread busy while the consumer works.
 */
export const defaultReaderOptions: ReaderOptions = { windowBlocks: 16, windowBytes: 1024 * 1024, readAhead: 4 }

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
 * it keeps one window of blocks being consumed and `readAhead` being read, so memory stays at
 * about (readAhead + 1) × windowBytes per reader, and each window is one coalesced read.
 */
export async function openFile (blocks: BlockStore, cid: CID, options: ReaderOptions = defaultReaderOptions): Promise<OpenedFile> {
  if (isInline(cid)) throw new AppError('NOT_A_FILE', `${cid.toString()} is an inline (identity) CID`)
  const rootBytes = await blocks.get(cid)
  const size = fileSizeOf(cid, rootBytes)
  return {
    cid,
    size,
    read: (range = {}) => readRange(blocks, cid, rootBytes, size, range, options)
  }
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

async function * readRange (blocks: BlockStore, cid: CID, rootBytes: Uint8Array, size: number, range: ReadRange & { signal?: AbortSignal }, options: ReaderOptions): AsyncGenerator<Uint8Array> {
  const { from, to } = clampRange(size, range)
  if (to <= from) return
  let emitted = 0
  for await (const chunk of walk(blocks, decodeFileNode(cid, rootBytes, 0), from, to, options, range.signal)) {
    emitted += chunk.length
    yield chunk
  }
  if (emitted !== to - from) throw new AppError('CORRUPT_BLOCK', `${cid.toString()}: read ${emitted} bytes where the DAG promises ${to - from}`)
}

async function * walk (blocks: BlockStore, node: Decoded, from: number, to: number, options: ReaderOptions, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (node.data !== undefined) {
    const part = slice(node.data, node.start, from, to)
    if (part !== undefined) yield part
  }
  const wanted = node.children.filter(c => c.start < to && c.start + c.size > from && c.size > 0)
  const windows = windowsOf(wanted, options)
  const inFlight: Array<Promise<Uint8Array[]>> = []
  let requested = 0
  const topUp = (): void => {
    while (requested < windows.length && inFlight.length <= options.readAhead) {
      const fetch = fetchWindow(blocks, windows[requested++] as Child[], signal)
      fetch.catch(() => {})
      inFlight.push(fetch)
    }
  }
  for (let w = 0; w < windows.length; w++) {
    topUp()
    const fetched = await (inFlight.shift() as Promise<Uint8Array[]>)
    topUp()
    const window = windows[w] as Child[]
    for (let i = 0; i < window.length; i++) {
      const child = window[i] as Child
      const bytes = fetched[i] as Uint8Array
      if (child.cid.code === codecs.raw) {
        const part = slice(bytes, child.start, from, to)
        if (part !== undefined) yield part
        continue
      }
      yield * walk(blocks, decodeFileNode(child.cid, bytes, child.start), from, to, options, signal)
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

async function fetchWindow (blocks: BlockStore, window: Child[], signal?: AbortSignal): Promise<Uint8Array[]> {
  signal?.throwIfAborted()
  return await blocks.getMany(window.map(c => c.cid), { signal })
}
