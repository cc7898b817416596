/**
 * The binary form of a challenge answer (one frame of /btfs-ts/challenge/1.0.0):
 *
 *   u8 version (1) ‖ contract id (32) ‖ nonce (32) ‖ signature (65) ‖ u8 item count ‖ items
 *   item = u64 leaf index ‖ u32 leaf length ‖ leaf ‖ u8 path length ‖ path hashes (32 each)
 *
 * all integers big-endian. The items section, exactly as encoded, is what the host signs (its
 * SHA-256 in the TIP-712 Proof), so the renter hashes the bytes it received and never re-encodes.
 * Decoding checks every length against the frame before reading: a short, long or inconsistent
 * frame is an AnswerFormatError, never a read past the end.
 */
import type { MerkleProofItem } from '../merkle/index.js'
import type { ChallengeAnswer } from './challenge.js'

const version = 1
const header = 1 + 32 + 32 + 65 + 1
/** Most items an answer carries (the contract's challengeLeaves is at most 64). */
export const maxItems = 64
/** Deepest audit path (a tree of 2^40 / 64 leaves is 34 levels deep). */
const maxPath = 64

/** A frame that is not a well-formed answer. */
export class AnswerFormatError extends Error {
  static override name = 'AnswerFormatError'
  constructor (message: string) {
    super(message)
    this.name = 'AnswerFormatError'
  }
}

const fromHex = (value: string, bytes: number, what: string): Buffer => {
  const buf = Buffer.from(value.replace(/^0x/, ''), 'hex')
  if (buf.length !== bytes) throw new AnswerFormatError(`${what} is not ${bytes} bytes`)
  return buf
}

/** The canonical bytes of the items (the section of the frame after its header). */
export function encodeItems (items: readonly MerkleProofItem[]): Uint8Array {
  if (items.length > maxItems) throw new AnswerFormatError(`more than ${maxItems} items`)
  let size = 0
  for (const item of items) size += 8 + 4 + item.leaf.length + 1 + 32 * item.path.length
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const item of items) {
    if (item.path.length > maxPath) throw new AnswerFormatError(`a path longer than ${maxPath}`)
    at = out.writeBigUInt64BE(BigInt(item.leafIndex), at)
    at = out.writeUInt32BE(item.leaf.length, at)
    out.set(item.leaf, at)
    at += item.leaf.length
    at = out.writeUInt8(item.path.length, at)
    for (const hash of item.path) {
      if (hash.length !== 32) throw new AnswerFormatError('a path hash that is not 32 bytes')
      out.set(hash, at)
      at += 32
    }
  }
  return out
}

/** One answer frame. */
export function encodeAnswer (answer: Omit<ChallengeAnswer, 'itemsBytes'>): Uint8Array {
  const items = encodeItems(answer.items)
  const out = Buffer.allocUnsafe(header + items.length)
  out[0] = version
  out.set(fromHex(answer.contractId, 32, 'contract id'), 1)
  out.set(fromHex(answer.nonce, 32, 'nonce'), 33)
  out.set(fromHex(answer.signature, 65, 'signature'), 65)
  out[130] = answer.items.length
  out.set(items, header)
  return out
}

/** Decodes one answer frame; AnswerFormatError when it is not one. Leaves and paths are views of `frame`. */
export function decodeAnswer (frame: Uint8Array): ChallengeAnswer {
  if (frame.length < header) throw new AnswerFormatError(`an answer of ${frame.length} bytes is shorter than its header`)
  if (frame[0] !== version) throw new AnswerFormatError(`unknown answer version ${frame[0] ?? ''}`)
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const count = frame[130] as number
  if (count > maxItems) throw new AnswerFormatError(`${count} items, more than ${maxItems}`)
  const items: MerkleProofItem[] = []
  let at = header
  for (let i = 0; i < count; i++) {
    if (at + 12 > frame.length) throw new AnswerFormatError('the frame ends inside an item header')
    const index = view.getBigUint64(at)
    if (index > BigInt(Number.MAX_SAFE_INTEGER)) throw new AnswerFormatError('a leaf index beyond 2^53')
    const leafLength = view.getUint32(at + 8)
    at += 12
    if (at + leafLength + 1 > frame.length) throw new AnswerFormatError('the frame ends inside a leaf')
    const leaf = frame.subarray(at, at + leafLength)
    at += leafLength
    const depth = frame[at] as number
    at += 1
    if (depth > maxPath || at + 32 * depth > frame.length) throw new AnswerFormatError('the frame ends inside a path')
    const path: Uint8Array[] = []
    for (let j = 0; j < depth; j++, at += 32) path.push(frame.subarray(at, at + 32))
    items.push({ leafIndex: Number(index), leaf, path })
  }
  if (at !== frame.length) throw new AnswerFormatError(`${frame.length - at} bytes after the last item`)
  const hex = (from: number, to: number): string => '0x' + Buffer.from(frame.buffer, frame.byteOffset + from, to - from).toString('hex')
  return { contractId: hex(1, 33), nonce: hex(33, 65), signature: hex(65, 130), items, itemsBytes: frame.subarray(header) }
}

/** The largest answer frame a contract with these terms can produce (bounds what a renter reads). */
export function maxAnswerBytes (leaves: number, leafSize: number, leafCount: number): number {
  const depth = Math.max(1, Math.ceil(Math.log2(Math.max(2, leafCount))))
  return header + leaves * (8 + 4 + leafSize + 1 + 32 * depth)
}
