import { importer, type ImporterOptions, type WritableStorage } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { AppError } from '../errors/index.js'
import type { BlockWriter } from '../blocks/index.js'
import { pooledBufferImporter } from './buffer-importer.js'
import { ChunkRing } from './chunk-ring.js'
import type { HashPool } from './hash-pool.js'
import type { ImportParams } from './params.js'

/** Links per node of kubo's balanced layout. */
export const kuboMaxChildrenPerNode = 174

/**
 * Importer options that give the CIDs kubo's `ipfs add` gives for the same parameters:
 * fixed-size chunker, balanced layout with 174 links, single-chunk files reduced to their leaf,
 * UnixFS `file` leaves when leaves are not raw. With a HashPool, leaves are hashed off the main
 * thread (same blocks, same CIDs).
 */
export function kuboImporterOptions (params: ImportParams, hashes?: HashPool, ring?: ChunkRing): ImporterOptions {
  return {
    ...(hashes !== undefined ? { bufferImporter: pooledBufferImporter(params, hashes, ring) } : {}),
    cidVersion: params.cidVersion,
    rawLeaves: params.rawLeaves,
    // a ring has already cut the input exactly as fixedSize would
    chunker: ring !== undefined ? (source) => source : fixedSize({ chunkSize: params.chunkSize }),
    layout: balanced({ maxChildrenPerNode: kuboMaxChildrenPerNode }),
    reduceSingleLeafToSelf: true,
    leafType: 'file',
    // The importer collects a whole batch of chunks before it runs any leaf job. With a ring
    // that would make an add need `batch` chunks of the shared arena before it could give any
    // back, and adds that each hold part of a batch when the arena runs out would wait on each
    // other forever. One at a time, every chunk an add holds is on its way to the writer; the
    // ring's read-ahead (hashing chunk n + k on a worker) is what keeps the pipeline full.
    blockWriteConcurrency: ring !== undefined ? 1 : blockWriteConcurrency
  }
}

/** Leaves the importer handles at once (its parallelBatch size) when hashing them itself. */
const blockWriteConcurrency = 16

/**
 * Most memory one add's ring may hold (all adds together: the HashPool's arena). It must stay
 * above the pack writer's flush size (4 MiB), which drains a ring waiting at this limit.
 */
const ringBytes = 12 * 1024 * 1024

/**
 * A ChunkRing for this import when it pays: raw leaves (their bytes are the block, so the ring's
 * early digest is the leaf's) of at least 32 KiB, with a HashPool to hash them.
 */
function ringFor (params: ImportParams, writer: BlockWriter, hashes?: HashPool): ChunkRing | undefined {
  if (hashes === undefined || !params.rawLeaves || params.chunkSize < 32 * 1024 || params.chunkSize > hashes.stats().capacityBytes) return undefined
  const slots = Math.max(1, Math.floor(ringBytes / params.chunkSize))
  return new ChunkRing(hashes, { chunkSize: params.chunkSize, slots, onStarved: () => { writer.flush().catch(() => {}) } })
}

/** The outcome of importing one file. */
export interface ImportedFile {
  cid: CID
  /** File size in bytes. */
  size: number
  /** Cumulative size of the DAG's blocks (kubo's `Size`). */
  dagSize: number
}

/** The byte limit of one upload, shared by all its files, and the signal that cancels it. */
export interface UploadBudget {
  maxBytes: number
  used: number
  signal?: AbortSignal
}

/** A budget of `maxBytes` (unlimited when undefined). */
export function uploadBudget (maxBytes?: number, signal?: AbortSignal): UploadBudget {
  return { maxBytes: maxBytes ?? Number.MAX_SAFE_INTEGER, used: 0, ...(signal !== undefined ? { signal } : {}) }
}

/**
 * Passes `source` through, counting its bytes against `budget` (BODY_TOO_LARGE past the limit,
 * the signal's reason when aborted) and reporting this file's running byte count.
 */
export async function * metered (source: AsyncIterable<Uint8Array>, budget: UploadBudget, onProgress?: (bytes: number, done: boolean) => void): AsyncGenerator<Uint8Array> {
  let bytes = 0
  for await (const chunk of source) {
    budget.signal?.throwIfAborted()
    bytes += chunk.byteLength
    budget.used += chunk.byteLength
    if (budget.used > budget.maxBytes) throw new AppError('BODY_TOO_LARGE', `upload exceeds the limit of ${budget.maxBytes} bytes (api.maxBodyBytes)`)
    onProgress?.(bytes, false)
    yield chunk
  }
  onProgress?.(bytes, true)
}

/** The importer's block sink over a staged writer (passing on the ring's release hook). */
export function writerSink (writer: BlockWriter): WritableStorage {
  return {
    put: async (cid: CID, block: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, putOptions?: AbortOptions & { onWritten?: () => void }): Promise<CID> => {
      await writer.put(cid, block instanceof Uint8Array ? block : await concat(block), putOptions?.onWritten !== undefined ? { onWritten: putOptions.onWritten } : {})
      return cid
    }
  }
}

/** Options of `importFile`. */
export interface ImportFileOptions {
  signal?: AbortSignal
  /** Byte limit of the source; beyond it the import fails with BODY_TOO_LARGE. */
  maxBytes?: number
  /** Called with the running byte count as the source is read. */
  onProgress?: (bytes: number) => void
  /** Hash leaves on worker threads. */
  hashes?: HashPool
}

/**
 * Imports one file from a byte stream into `writer` (staged: the caller commits or aborts).
 * The stream is pulled as the importer consumes it, so memory stays bounded whatever the size.
 */
export async function importFile (source: AsyncIterable<Uint8Array>, writer: BlockWriter, params: ImportParams, options: ImportFileOptions = {}): Promise<ImportedFile> {
  const budget = uploadBudget(options.maxBytes, options.signal)
  const counted = metered(source, budget, options.onProgress === undefined ? undefined : bytes => { options.onProgress?.(bytes) })
  let root: { cid: CID, size: bigint } | undefined
  const ring = ringFor(params, writer, options.hashes)
  try {
    const content = ring !== undefined ? ring.chunks(counted) : counted
    for await (const entry of importer([{ content }], writerSink(writer), kuboImporterOptions(params, options.hashes, ring))) root = entry
  } finally {
    ring?.close()
  }
  options.signal?.throwIfAborted()
  if (root === undefined) throw new AppError('INTERNAL', 'importer produced no root')
  return { cid: root.cid, size: budget.used, dagSize: Number(root.size) }
}

async function concat (parts: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const list: Uint8Array[] = []
  for await (const part of parts) list.push(part)
  return Buffer.concat(list)
}
