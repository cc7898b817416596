/** SHA-256 batches: the native addon's sha256Batch (OpenSSL), or node:crypto one message at a time. */
import * as crypto from 'node:crypto'
import { loadAddon } from '../native/addon.js'
import { HashNativeUnavailableError, MerkleParameterError } from './errors.js'
import type { HashBackend, HashBackendMode, Sha256Batch } from './interface.js'

/** The addon's hashing exports (native/src/hash.cc). */
export interface HashAddon {
  /** "openssl" when sha256Batch is exported, "none" when OpenSSL's SHA-256 was not found. */
  hashBackend?: string
  sha256Batch?: Sha256Batch
}

type OneShot = (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer
// crypto.hash (Node >= 20.12) is ~1.4x faster than createHash for small messages.
const oneShot = (crypto as unknown as { hash?: OneShot }).hash

function digest (data: Uint8Array): Uint8Array {
  return oneShot !== undefined ? oneShot('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest()
}

/** Throws MerkleParameterError unless the arguments meet Sha256Batch's contract; returns the message count. */
export function checkBatchArgs (input: Uint8Array, stride: number, prefix: number, out: Uint8Array): number {
  if (!(input instanceof Uint8Array) || !(out instanceof Uint8Array)) throw new MerkleParameterError('input and out must be Uint8Arrays')
  if (!Number.isInteger(stride) || stride < 1 || stride > 0xffffffff) throw new MerkleParameterError('stride must be an integer in 1..2^32-1')
  if (!Number.isInteger(prefix) || prefix < -1 || prefix > 255) throw new MerkleParameterError('prefix must be an integer in -1..255')
  const count = Math.floor(input.length / stride)
  if (out.length < 32 * count) throw new MerkleParameterError('out is smaller than 32 bytes per message')
  if (count > 0 && input.buffer === out.buffer) {
    const a = input.byteOffset
    const b = out.byteOffset
    if (b < a + count * stride && a < b + 32 * count && !(b <= a && stride >= 32)) {
      throw new MerkleParameterError('out overlaps input (allowed only when out starts at or before input and stride >= 32)')
    }
  }
  return count
}

/** Sha256Batch on node:crypto: one hash call per message (prefix and message copied into a scratch buffer). */
export const jsSha256Batch: Sha256Batch = (input, stride, prefix, out) => {
  const count = checkBatchArgs(input, stride, prefix, out)
  const pre = prefix >= 0 ? 1 : 0
  const scratch = pre === 1 ? new Uint8Array(stride + 1) : undefined
  if (scratch !== undefined) scratch[0] = prefix
  for (let i = 0; i < count; i++) {
    const msg = input.subarray(i * stride, (i + 1) * stride)
    if (scratch !== undefined) scratch.set(msg, 1)
    out.set(digest(scratch ?? msg), 32 * i)
  }
}

const cache = new Map<string, HashBackend>()

function nativeBatch (): Sha256Batch {
  const addon = loadAddon<HashAddon>()
  if (typeof addon.sha256Batch !== 'function') {
    throw new Error(addon.hashBackend === 'none'
      ? 'OpenSSL SHA-256 symbols not found in this node binary'
      : 'the native addon predates sha256Batch (rebuild it: npm run build:native)')
  }
  return addon.sha256Batch
}

function pick (mode: HashBackendMode): HashBackend {
  if (mode === 'js') return { kind: 'js', sha256Batch: jsSha256Batch, fallbackReason: 'forced by BTFS_TS_MERKLE=js or options' }
  try {
    return { kind: 'native', sha256Batch: nativeBatch() }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    if (mode === 'native') throw new HashNativeUnavailableError(reason, err)
    return { kind: 'js', sha256Batch: jsSha256Batch, fallbackReason: reason }
  }
}

/**
 * The SHA-256 backend for `mode` (default: env BTFS_TS_MERKLE, else "auto"): "auto" takes the
 * addon's sha256Batch when it loads and has it, else node:crypto (the reason is in
 * fallbackReason). Memoized per mode and addon path. Throws HashNativeUnavailableError in mode
 * "native" when the addon cannot be used, MerkleParameterError on an unknown mode.
 */
export function hashBackend (mode?: HashBackendMode): HashBackend {
  const m = mode ?? (process.env.BTFS_TS_MERKLE || 'auto')
  if (m !== 'auto' && m !== 'native' && m !== 'js') {
    throw new MerkleParameterError(`BTFS_TS_MERKLE must be auto, native or js, not "${m}"`)
  }
  const key = `${m}:${process.env.BTFS_TS_NATIVE_ADDON ?? ''}`
  let b = cache.get(key)
  if (b === undefined) {
    b = pick(m)
    cache.set(key, b)
  }
  return b
}
