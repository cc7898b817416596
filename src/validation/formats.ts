import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import Format from 'typebox/format'
import { base58Check } from '../wallet/address.js'
import { base58btc } from 'multiformats/bases/base58'

/** 2^256 − 1: the largest value of a Solidity uint256 (amounts, prices). */
export const maxUint256 = (1n << 256n) - 1n

const decimal = /^(0|[1-9][0-9]{0,77})$/

/** True for a decimal string without leading zeros whose value fits a uint256. */
export function isUint256 (value: string): boolean {
  return decimal.test(value) && BigInt(value) <= maxUint256
}

/** True for a CID string in any base that parses, at most 128 characters. */
export function isCid (value: string): boolean {
  if (value.length > 128) return false
  try {
    CID.parse(value)
    return true
  } catch {
    return false
  }
}

/**
 * True for the canonical string of a shard CID: CIDv1, raw codec, SHA-256, base32 (what
 * `CID.toString()` gives). Hosts name shard files by it, so two spellings of one CID must not
 * both be accepted.
 */
export function isShardCid (value: string): boolean {
  if (value.length > 64) return false
  try {
    const cid = CID.parse(value)
    return cid.version === 1 && cid.code === raw.code && cid.multihash.code === sha256.code && cid.multihash.size === 32 && cid.toString() === value
  } catch {
    return false
  }
}

/** True for a libp2p peer id string that parses. */
export function isPeerId (value: string): boolean {
  if (value.length > 128) return false
  try {
    peerIdFromString(value)
    return true
  } catch {
    return false
  }
}

/** True for a TRON base58check address (0x41 ‖ 20 bytes, valid checksum). */
export function isTronAddress (value: string): boolean {
  if (!/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(value)) return false
  try {
    const bytes = base58btc.baseDecode(value)
    if (bytes.length !== 25 || bytes[0] !== 0x41) return false
    return base58Check(bytes.subarray(0, 21)) === value
  } catch {
    return false
  }
}

/** Formats used by schemas of wire messages and HTTP routes, by name. */
export const formats: Record<string, (value: string) => boolean> = {
  uint256: isUint256,
  cid: isCid,
  'shard-cid': isShardCid,
  'peer-id': isPeerId,
  'tron-address': isTronAddress
}

for (const [name, check] of Object.entries(formats)) Format.Set(name, check)

/** Registers the formats with an ajv instance (Fastify's validator: `ajv.plugins`). */
export function ajvFormats (ajv: { addFormat: (name: string, format: { type: 'string', validate: (value: string) => boolean }) => unknown }): typeof ajv {
  for (const [name, validate] of Object.entries(formats)) ajv.addFormat(name, { type: 'string', validate })
  return ajv
}
