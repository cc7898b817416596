import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { AppError } from '../errors/index.js'

/** The segment cipher, as named in manifests. */
export const cipherName = 'aes-256-gcm'
export const keyLength = 32
export const fileIdLength = 16
export const tagLength = 16

/** Plaintext is fed to the cipher in slices of this size: each update() allocates its output. */
const feedBytes = 64 * 1024

const aadLabel = new TextEncoder().encode('btfs-ts/segment/v1')

/** A fresh random 256-bit file key and 128-bit file id. */
export function newFileSecrets (): { key: Uint8Array, fileId: Uint8Array } {
  return { key: randomBytes(keyLength), fileId: randomBytes(fileIdLength) }
}

/** Nonce of segment `index`: 4 zero bytes then the index as u64 big endian (unique under a key). */
export function segmentNonce (index: number): Buffer {
  const nonce = Buffer.alloc(12)
  nonce.writeBigUInt64BE(BigInt(index), 4)
  return nonce
}

/**
 * Associated data of a segment: label, file id, index and the last-segment flag. A segment moved
 * to another position, another file, or made to look final (truncation) fails its tag.
 */
export function segmentAad (fileId: Uint8Array, index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(aadLabel.length + fileId.length + 9)
  aad.set(aadLabel, 0)
  aad.set(fileId, aadLabel.length)
  aad.writeBigUInt64BE(BigInt(index), aadLabel.length + fileId.length)
  aad[aad.length - 1] = last ? 1 : 0
  return aad
}

/** Context of one segment's encryption or decryption. */
export interface SegmentContext {
  key: Uint8Array
  fileId: Uint8Array
  index: number
  last: boolean
}

/**
 * Encrypts a segment incrementally: `update` with plaintext pieces writes ciphertext into `out`
 * from `offset` on; `final` appends the tag and returns the sealed length. Writing into the
 * caller's buffer (shared memory of the encoder) keeps memory bounded and reused.
 */
export class SegmentSealer {
  readonly #cipher
  readonly #out: Uint8Array
  #offset: number
  readonly #start: number

  constructor (ctx: SegmentContext, out: Uint8Array, offset = 0) {
    this.#cipher = createCipheriv('aes-256-gcm', ctx.key, segmentNonce(ctx.index))
    this.#cipher.setAAD(segmentAad(ctx.fileId, ctx.index, ctx.last))
    this.#out = out
    this.#offset = offset
    this.#start = offset
  }

  update (plaintext: Uint8Array): void {
    for (let at = 0; at < plaintext.length; at += feedBytes) {
      const sealed = this.#cipher.update(plaintext.subarray(at, at + feedBytes))
      this.#out.set(sealed, this.#offset)
      this.#offset += sealed.length
    }
  }

  /** Finishes the segment: ciphertext then tag; returns the bytes written. */
  final (): number {
    const rest = this.#cipher.final()
    this.#out.set(rest, this.#offset)
    this.#offset += rest.length
    this.#out.set(this.#cipher.getAuthTag(), this.#offset)
    this.#offset += tagLength
    return this.#offset - this.#start
  }
}

/**
 * Decrypts and authenticates a sealed segment (ciphertext then tag), returning the plaintext in
 * pieces of up to 64 KiB (no copy into one big buffer). Any change to the bytes, the key, the
 * file id, the position or the last flag fails with SEGMENT_AUTH_FAILED; no plaintext of a
 * failing segment is ever returned.
 */
export function openSegment (ctx: SegmentContext, sealed: Uint8Array): Buffer[] {
  if (sealed.length < tagLength) throw new AppError('SEGMENT_AUTH_FAILED', `segment ${ctx.index} is shorter than its tag`)
  const decipher = createDecipheriv('aes-256-gcm', ctx.key, segmentNonce(ctx.index))
  decipher.setAAD(segmentAad(ctx.fileId, ctx.index, ctx.last))
  decipher.setAuthTag(sealed.subarray(sealed.length - tagLength))
  const body = sealed.subarray(0, sealed.length - tagLength)
  try {
    const parts: Buffer[] = []
    for (let at = 0; at < body.length; at += feedBytes) parts.push(decipher.update(body.subarray(at, at + feedBytes)))
    const rest = decipher.final()
    if (rest.length > 0) parts.push(rest)
    return parts
  } catch {
    throw new AppError('SEGMENT_AUTH_FAILED', `segment ${ctx.index} failed authentication: wrong key, or the data was changed, reordered or truncated`, { details: { segment: ctx.index } })
  }
}
