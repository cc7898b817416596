import { AppError } from '../errors/index.js'

/** How a file is turned into blocks; every combination kubo's `ipfs add` offers for a file. */
export interface ImportParams {
  cidVersion: 0 | 1
  rawLeaves: boolean
  /** Fixed chunk size in bytes (kubo `--chunker=size-N`). */
  chunkSize: number
}

/** kubo's largest accepted chunk: blocks above 1 MiB do not travel over bitswap. */
export const maxChunkSize = 1024 * 1024

/** Parses `size-N`; throws INVALID_PARAMETER naming the problem. */
export function parseChunker (value: string): number {
  const match = /^size-(\d+)$/.exec(value)
  if (match === null) throw new AppError('INVALID_PARAMETER', `chunker "${value}" is not supported: use size-N (fixed-size chunks of N bytes)`)
  const size = Number(match[1])
  if (!Number.isSafeInteger(size) || size < 1 || size > maxChunkSize) {
    throw new AppError('INVALID_PARAMETER', `chunker size must be between 1 and ${maxChunkSize} bytes, got ${match[1]}`)
  }
  return size
}

/** Parses a boolean query value the way kubo does (`true`/`false`/`1`/`0`, empty = true). */
export function parseBool (name: string, value: string | boolean | undefined): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value
  if (value === '' || value === 'true' || value === '1') return true
  if (value === 'false' || value === '0') return false
  throw new AppError('INVALID_PARAMETER', `${name} must be true or false, got "${value}"`)
}

/** Parses a CID version query value. */
export function parseCidVersion (value: string | number | undefined): 0 | 1 | undefined {
  if (value === undefined) return undefined
  if (value === 0 || value === '0') return 0
  if (value === 1 || value === '1') return 1
  throw new AppError('INVALID_PARAMETER', `cid-version must be 0 or 1, got "${String(value)}"`)
}

/**
 * Resolves import parameters the way kubo does: `cid-version=1` implies raw leaves unless
 * `raw-leaves` says otherwise; `cid-version=0` means dag-pb leaves unless raw leaves are asked
 * for explicitly (then the leaves, and only they, are CIDv1 raw, as in kubo).
 */
export function resolveImportParams (query: { cidVersion?: 0 | 1, rawLeaves?: boolean, chunker?: string }, defaults: { cidVersion: 0 | 1, rawLeaves: boolean, chunker: string }): ImportParams {
  const cidVersion = query.cidVersion ?? defaults.cidVersion
  const rawLeaves = query.rawLeaves ?? (query.cidVersion !== undefined ? cidVersion === 1 : (cidVersion === 1 ? defaults.rawLeaves : false))
  return { cidVersion, rawLeaves, chunkSize: parseChunker(query.chunker ?? defaults.chunker) }
}

/** `size-N` for a chunk size, as stored in file records and shown to users. */
export function chunkerName (chunkSize: number): string {
  return `size-${chunkSize}`
}
