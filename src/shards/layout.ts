import { tagLength } from './cipher.js'

/** One segment: its plaintext span, its sealed (ciphertext + tag) size and its piece size. */
export interface Segment {
  index: number
  last: boolean
  /** Offset of the segment's plaintext in the file. */
  plainOffset: number
  plainSize: number
  /** Ciphertext plus the 16-byte tag. */
  sealedSize: number
  /** Bytes this segment adds to every shard: ceil(sealedSize / k). */
  pieceSize: number
  /** Offset of this segment's piece inside every shard. */
  shardOffset: number
}

/**
 * Where every byte goes. A file of n bytes has max(1, ceil(n / segmentSize)) segments (an empty
 * file is one empty segment, so that its end is authenticated too); each sealed segment is cut
 * into k pieces of ceil(sealed / k) bytes (the last one zero-padded) plus m parity pieces, and
 * piece i of every segment is appended to shard i, so all shards have the same size.
 */
export class ShardLayout {
  readonly fileSize: number
  readonly segmentSize: number
  readonly k: number
  readonly segmentCount: number
  readonly shardSize: number

  constructor (fileSize: number, segmentSize: number, k: number) {
    this.fileSize = fileSize
    this.segmentSize = segmentSize
    this.k = k
    this.segmentCount = Math.max(1, Math.ceil(fileSize / segmentSize))
    const last = this.segment(this.segmentCount - 1)
    this.shardSize = last.shardOffset + last.pieceSize
  }

  /** Segment `index` (0-based). */
  segment (index: number): Segment {
    if (!Number.isInteger(index) || index < 0 || index >= this.segmentCount) throw new RangeError(`no segment ${index}`)
    const plainOffset = index * this.segmentSize
    const plainSize = Math.min(this.segmentSize, this.fileSize - plainOffset)
    const sealedSize = plainSize + tagLength
    const fullPiece = Math.ceil((this.segmentSize + tagLength) / this.k)
    return {
      index,
      last: index === this.segmentCount - 1,
      plainOffset,
      plainSize,
      sealedSize,
      pieceSize: Math.ceil(sealedSize / this.k),
      shardOffset: index * fullPiece
    }
  }

  /** Every segment in order. */
  * segments (): Generator<Segment> {
    for (let i = 0; i < this.segmentCount; i++) yield this.segment(i)
  }

  /** Largest piece of any segment (the first one's, unless there is only a short one). */
  get maxPieceSize (): number {
    return this.segment(0).pieceSize
  }
}
