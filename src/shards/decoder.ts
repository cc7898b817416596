import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { createCodec, type ErasureCodec } from '../erasure/index.js'
import { AppError } from '../errors/index.js'
import { openSegment } from './cipher.js'
import { ShardLayout, type Segment } from './layout.js'
import type { Manifest } from './manifest.js'

/** Random access to one shard's bytes. */
export interface ShardSource {
  /** Fills `into` with the shard's bytes from `offset`; fails if the shard is shorter. */
  read: (offset: number, into: Uint8Array) => Promise<void>
  close?: () => Promise<void>
}

/** What `decodeShards` needs. */
export interface DecodeInput {
  manifest: Manifest
  key: Uint8Array
  /** One entry per shard index; undefined for a shard that is not available. */
  sources: Array<ShardSource | undefined>
  /** Plaintext range to produce (default: the whole file). */
  offset?: number
  length?: number
  codec?: ErasureCodec
  signal?: AbortSignal
}

/** A shard file on disk as a ShardSource. */
export async function fileShardSource (path: string): Promise<ShardSource> {
  const handle = await open(path, 'r')
  return {
    read: async (offset, into) => {
      let done = 0
      while (done < into.length) {
        const { bytesRead } = await handle.read(into, done, into.length - done, offset + done)
        if (bytesRead === 0) throw new AppError('NOT_ENOUGH_SHARDS', `shard file ${path} is shorter than the manifest says`)
        done += bytesRead
      }
    },
    close: async () => { await handle.close() }
  }
}

/** True when the source holds exactly the shard `size` bytes whose SHA-256 is `digest`. */
export async function shardMatches (source: ShardSource, size: number, digest: Uint8Array): Promise<boolean> {
  const hash = createHash('sha256')
  const buffer = new Uint8Array(Math.min(size, 4 * 1024 * 1024))
  try {
    for (let at = 0; at < size; at += buffer.length) {
      const part = buffer.subarray(0, Math.min(buffer.length, size - at))
      await source.read(at, part)
      hash.update(part)
    }
    const extra = new Uint8Array(1)
    const longer = await source.read(size, extra).then(() => true, () => false)
    return !longer && Buffer.from(hash.digest()).equals(Buffer.from(digest))
  } catch {
    return false
  }
}

/**
 * Streams the plaintext (or a range of it) back from any k available shards: for each segment,
 * the k chosen pieces are read (data shards preferred: with all k of them nothing is computed),
 * missing data pieces are rebuilt with Reed-Solomon, and the sealed segment is authenticated and
 * decrypted; the next segment is read while this one is decrypted, into one of two reused
 * frames. Plaintext comes out in 64 KiB pieces. Memory stays at about two segments whatever
 * the file size. A piece that was altered makes its segment fail
 * authentication (SEGMENT_AUTH_FAILED) rather than produce wrong bytes.
 */
export async function * decodeShards (input: DecodeInput): AsyncGenerator<Uint8Array> {
  const { manifest } = input
  const { k, m, segmentSize } = manifest.erasure
  const n = k + m
  const available = input.sources.flatMap((s, i) => s === undefined ? [] : [i])
  if (available.length < k) {
    throw new AppError('NOT_ENOUGH_SHARDS', `only ${available.length} of the ${n} shards are available; any ${k} are needed`, { details: { available: available.length, needed: k } })
  }
  const chosen = available.slice(0, k)
  const missingData = Array.from({ length: k }, (_, i) => i).filter(i => !chosen.includes(i))
  const codec = missingData.length > 0 ? (input.codec ?? createCodec(k, m)) : undefined
  const layout = new ShardLayout(manifest.size, segmentSize, k)
  const from = Math.min(input.offset ?? 0, manifest.size)
  const to = Math.min(manifest.size, from + (input.length ?? manifest.size))
  // an empty file is one empty segment: still authenticated, so a wrong key or a forged
  // manifest is reported rather than silently decoding to nothing
  const wanted = manifest.size === 0 ? [layout.segment(0)] : [...layout.segments()].filter(s => s.plainOffset < to && s.plainOffset + s.plainSize > from)

  // two frames, reused: one is decrypted while the next segment is read into the other
  const frames = [0, 1].map(() => ({
    data: new Uint8Array(k * layout.maxPieceSize),
    parity: new Map(chosen.filter(i => i >= k).map(i => [i, new Uint8Array(layout.maxPieceSize)]))
  }))
  const read = async (segment: Segment, frame: typeof frames[number]): Promise<Uint8Array> => {
    input.signal?.throwIfAborted()
    const p = segment.pieceSize
    const pieces: Array<Uint8Array | undefined> = Array.from({ length: n }, (_, i) => i < k ? frame.data.subarray(i * p, (i + 1) * p) : frame.parity.get(i)?.subarray(0, p))
    await Promise.all(chosen.map(async i => { await (input.sources[i] as ShardSource).read(segment.shardOffset, pieces[i] as Uint8Array) }))
    if (codec !== undefined) codec.reconstruct(pieces, pieces.map((_, i) => chosen.includes(i)), missingData)
    return frame.data.subarray(0, segment.sealedSize)
  }

  let next = wanted.length > 0 ? read(wanted[0] as Segment, frames[0] as typeof frames[number]) : undefined
  for (let w = 0; w < wanted.length; w++) {
    const segment = wanted[w] as Segment
    const sealed = await (next as Promise<Uint8Array>)
    // the next segment goes into the other frame while this one is decrypted out of its own
    next = w + 1 < wanted.length ? read(wanted[w + 1] as Segment, frames[(w + 1) % 2] as typeof frames[number]) : undefined
    next?.catch(() => {})
    const parts = openSegment({ key: input.key, fileId: manifest.cipher.fileId, index: segment.index, last: segment.last }, sealed)
    let at = segment.plainOffset
    for (const part of parts) {
      const start = Math.max(from, at) - at
      const end = Math.min(to, at + part.length) - at
      if (end > start) yield part.subarray(start, end)
      at += part.length
    }
  }
}
