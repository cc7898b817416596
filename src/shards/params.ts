import { AppError } from '../errors/index.js'

/** How a file is cut into shards (defaults: config `shards.*`, BTFS's 10 + 20, 16 MiB, 4 KiB). */
export interface ShardParams {
  /** Data pieces per segment: any k of the k + m shards rebuild the file. */
  k: number
  /** Parity pieces per segment. */
  m: number
  /** Plaintext bytes per segment (each is encrypted, then erasure-coded on its own). */
  segmentSize: number
  /** Merkle leaf size over each shard (what a proof-of-storage challenge reveals). */
  leafSize: number
}

/** Throws INVALID_PARAMETER unless k ≥ 1, m ≥ 0, k + m ≤ 256 and the sizes are sane. */
export function checkShardParams (p: ShardParams): ShardParams {
  const bad = (message: string): never => { throw new AppError('INVALID_PARAMETER', message) }
  if (!Number.isInteger(p.k) || p.k < 1) bad(`k must be an integer ≥ 1, got ${p.k}`)
  if (!Number.isInteger(p.m) || p.m < 0) bad(`m must be an integer ≥ 0, got ${p.m}`)
  if (p.k + p.m > 256) bad(`k + m must be at most 256, got ${p.k + p.m}`)
  if (!Number.isInteger(p.segmentSize) || p.segmentSize < 4096 || p.segmentSize > 256 * 1024 * 1024) bad(`segment size must be between 4 KiB and 256 MiB, got ${p.segmentSize}`)
  if (!Number.isInteger(p.leafSize) || p.leafSize < 64 || p.leafSize > 1024 * 1024) bad(`leaf size must be between 64 bytes and 1 MiB, got ${p.leafSize}`)
  return p
}
