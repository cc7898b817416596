import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { BatchOp } from '../store/index.js'
import type { ReadPriority } from './read-queue.js'

/** Options of a block read. */
export interface ReadOptions extends AbortOptions {
  /** `first` (default): a request waits for it to start; `stream`: it continues a transfer. */
  priority?: ReadPriority
}

/** Where `BlockStore.getPieces` puts what it reads. */
export interface PieceOptions {
  pieceBytes: number
  /** A buffer of exactly `length` (≤ pieceBytes) bytes to read into. */
  alloc: (length: number) => Uint8Array
  /** Takes back a piece from `alloc` that the read did not hand out (it failed). */
  release?: (piece: Uint8Array) => void
}

/** Where a block's bytes live: pack file id, byte offset of the data, length. */
export interface BlockLocation {
  pack: number
  offset: number
  length: number
}

/**
 * A staged set of block writes. Nothing a writer puts is visible to readers until `commit`,
 * which makes every block visible and applies the caller's extra operations (a pin, file
 * metadata) in the same atomic datastore batch. `abort` removes everything it wrote.
 */
export interface BlockWriter {
  /**
   * Stages a block. Blocks already in the store (or in this writer) are skipped, unless `force`.
   * The writer may keep a reference to `bytes` until it has written them; `onWritten` is called
   * once it no longer does (written, skipped or aborted), so the caller can reuse the memory.
   * A put that rejects has not taken the block: `onWritten` is then never called.
   */
  put: (cid: CID, bytes: Uint8Array, options?: { force?: boolean, onWritten?: () => void }) => Promise<void>
  /** Writes what is staged now instead of waiting for a full buffer; resolves when written. */
  flush: () => Promise<void>
  /** Flushes, optionally fsyncs, then publishes the blocks together with `ops`, atomically. */
  commit: (ops?: BatchOp[]) => Promise<void>
  /** Discards every staged block. Idempotent; a no-op after commit. */
  abort: () => Promise<void>
  /** Bytes of block data this writer wrote to disk (deduplicated blocks not counted). */
  readonly bytesWritten: number
}

/** What `BlockStore.sweep` removed. */
export interface SweepResult {
  removedBlocks: number
  freedBytes: number
  removed: CID[]
}

/**
 * The local block store: content-addressed blocks keyed by multihash (so a CIDv0 and a CIDv1
 * of the same bytes share one block, as in kubo). Writes go through staged `BlockWriter`s.
 */
export interface BlockStore {
  has: (cid: CID, options?: AbortOptions) => Promise<boolean>
  /** Presence of several blocks, in order, with one index lookup. */
  hasMany: (cids: CID[], options?: AbortOptions) => Promise<boolean[]>
  /** The block's bytes; throws BLOCK_NOT_FOUND when absent. */
  get: (cid: CID, options?: AbortOptions) => Promise<Uint8Array>
  /**
   * Several blocks at once, in order; adjacent blocks are read with one I/O. `priority: 'stream'`
   * marks reads that continue a transfer already under way (a file's later windows): the store
   * may serve the reads that start requests first.
   */
  getMany: (cids: CID[], options?: ReadOptions) => Promise<Uint8Array[]>
  /**
   * Like getMany, for streaming: each block comes as consecutive pieces of at most `pieceBytes`
   * from `alloc` (read with one readv per run of adjacent blocks; a piece holds one block's
   * bytes only), so a caller can lend pieces from a pool of reused memory (see
   * unixfs/piece-pool.ts for why that matters). On failure the pieces go to `release`.
   */
  getPieces: (cids: CID[], options: ReadOptions & PieceOptions) => Promise<Uint8Array[][]>
  /** Size of the block, or undefined when absent. */
  size: (cid: CID, options?: AbortOptions) => Promise<number | undefined>
  /** A new staged writer. */
  writer: () => BlockWriter
  /**
   * Removes every block whose multihash `isLive` rejects, then reclaims pack space (empty packs
   * are deleted, mostly-dead packs rewritten). The caller holds the GC lock.
   */
  sweep: (isLive: (multihash: Uint8Array) => boolean, options?: AbortOptions) => Promise<SweepResult>
  /** Number of blocks and bytes stored. */
  stat: () => Promise<{ blocks: number, bytes: number, packs: number }>
}
