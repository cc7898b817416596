import { createCodec, type ErasureCodec } from '../erasure/index.js'
import { SegmentSealer } from './cipher.js'
import { ExactReader } from './exact-reader.js'
import type { ShardHashers } from './hash-workers.js'
import { ShardLayout } from './layout.js'
import type { ShardParams } from './params.js'
import type { ShardDigests } from './shard-hash.js'

/** Where one shard's bytes go (a file, a host's stream). Called in segment order. */
export interface ShardSink {
  /** Appends `bytes`, which are only valid until the returned promise resolves (copy to keep). */
  write: (bytes: Uint8Array) => Promise<void>
}

/** What `encodeShards` needs. */
export interface EncodeInput {
  /** The plaintext, exactly `size` bytes. */
  source: AsyncIterable<Uint8Array>
  size: number
  params: ShardParams
  key: Uint8Array
  fileId: Uint8Array
  /** Computes every shard's CID and Merkle root; without it the digests are not computed (returns []). */
  hashers?: ShardHashers
  /** k + m sinks, or none to compute the digests only. */
  sinks?: ShardSink[]
  codec?: ErasureCodec
  signal?: AbortSignal
  /** Segments in flight (default 2): memory is about slots × (k + m) / k × segmentSize. */
  slots?: number
}

/**
 * Streams a file into k + m shards in one pass: each segment is encrypted (AES-256-GCM) into a
 * shared-memory slot, erasure-coded in place (k data + m parity pieces), then handed at once to
 * the hash workers (shard CIDs and Merkle roots) and to the sinks, while the main thread goes on
 * with the next segment in the other slot. Memory is bounded by the slots whatever the file size;
 * a slow sink or hasher holds the reader back. Returns every shard's digests, by index.
 */
export async function encodeShards (input: EncodeInput): Promise<ShardDigests[]> {
  const { k, m, segmentSize, leafSize } = input.params
  const n = k + m
  const layout = new ShardLayout(input.size, segmentSize, k)
  const codec = input.codec ?? createCodec(k, m)
  const slots = Array.from({ length: input.slots ?? 2 }, () => new Uint8Array(new SharedArrayBuffer(n * layout.maxPieceSize)))
  const job = input.hashers?.begin(n, leafSize, slots)
  const free = slots.map((_, i) => i)
  const waiting: Array<(slot: number) => void> = []
  const release = (slot: number): void => { const next = waiting.shift(); if (next !== undefined) next(slot); else free.push(slot) }
  const sinkChains: Array<Promise<void>> = Array.from({ length: n }, () => Promise.resolve())
  const inFlight = new Set<Promise<void>>()
  let failure: unknown
  const reader = new ExactReader(input.source)
  try {
    for (const segment of layout.segments()) {
      input.signal?.throwIfAborted()
      const slot = free.pop() ?? await new Promise<number>(resolve => { waiting.push(resolve) })
      if (failure !== undefined) throw failure
      const bytes = slots[slot] as Uint8Array
      const p = segment.pieceSize
      const sealer = new SegmentSealer({ key: input.key, fileId: input.fileId, index: segment.index, last: segment.last }, bytes)
      await reader.read(segment.plainSize, chunk => { sealer.update(chunk) })
      bytes.fill(0, sealer.final(), k * p)
      const pieces = Array.from({ length: n }, (_, i) => bytes.subarray(i * p, (i + 1) * p))
      codec.encode(pieces.slice(0, k), pieces.slice(k))
      const writes = input.sinks?.map((sink, i) => (sinkChains[i] = (sinkChains[i] as Promise<void>).then(async () => { await sink.write(pieces[i] as Uint8Array) }))) ?? []
      const done: Promise<void> = Promise.all([job?.segment(slot, segment.index, p), ...writes])
        .then(() => { release(slot) }, err => { failure ??= err; release(slot) })
        .finally(() => { inFlight.delete(done) })
      inFlight.add(done)
    }
    await reader.end()
    await Promise.all(inFlight)
    if (failure !== undefined) throw failure
    return await job?.end() ?? []
  } catch (err) {
    job?.cancel()
    await reader.close().catch(() => {})
    await Promise.allSettled(inFlight)
    throw err
  }
}
