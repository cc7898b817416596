import { importer, type ImporterOptions } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { CID } from 'multiformats/cid'
import { AppError } from '../errors/index.js'
import type { BlockWriter } from '../blocks/index.js'
import { pooledBufferImporter } from './buffer-importer.js'
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
export function kuboImporterOptions (params: ImportParams, hashes?: HashPool): ImporterOptions {
  return {
    ...(hashes !== undefined ? { bufferImporter: pooledBufferImporter(params, hashes) } : {}),
    cidVersion: params.cidVersion,
    rawLeaves: params.rawLeaves,
    chunker: fixedSize({ chunkSize: params.chunkSize }),
    layout: balanced({ maxChildrenPerNode: kuboMaxChildrenPerNode }),
    reduceSingleLeafToSelf: true,
    leafType: 'file',
    blockWriteConcurrency: 16
  }
}

/** The outcome of importing one file. */
export interface ImportedFile {
  cid: CID
  /** File size in bytes. */
  size: number
  /** Cumulative size of the DAG's blocks (kubo's `Size`). */
  dagSize: number
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
  let size = 0
  const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER
  async function * counted (): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      options.signal?.throwIfAborted()
      size += chunk.byteLength
      if (size > maxBytes) throw new AppError('BODY_TOO_LARGE', `upload exceeds the limit of ${maxBytes} bytes (api.maxBodyBytes)`)
      options.onProgress?.(size)
      yield chunk
    }
  }
  let root: { cid: CID, size: bigint } | undefined
  const sink = {
    put: async (cid: CID, block: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<CID> => {
      await writer.put(cid, block instanceof Uint8Array ? block : await concat(block))
      return cid
    }
  }
  for await (const entry of importer([{ content: counted() }], sink, kuboImporterOptions(params, options.hashes))) root = entry
  options.signal?.throwIfAborted()
  if (root === undefined) throw new AppError('INTERNAL', 'importer produced no root')
  return { cid: root.cid, size, dagSize: Number(root.size) }
}

async function concat (parts: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const list: Uint8Array[] = []
  for await (const part of parts) list.push(part)
  return Buffer.concat(list)
}
