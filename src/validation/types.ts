/**
 * Schema building blocks shared by wire messages (src/network/protocols), HTTP routes and the
 * config: every string has a length bound and, where it names something, a format that parses it
 * (CIDs, peer ids, TRON addresses); every integer has a range inside the safe integers; amounts
 * are decimal strings that fit a uint256.
 */
import Type from 'typebox'
import './formats.js'

/** Largest integer a JSON number carries exactly. */
export const maxSafe = Number.MAX_SAFE_INTEGER

/** BTT base units (1 BTT = 10^18) or any uint256, as a decimal string. */
export const Uint256 = (description = 'a uint256 as a decimal string'): ReturnType<typeof Type.String> =>
  Type.String({ pattern: '^(0|[1-9][0-9]{0,77})$', format: 'uint256', maxLength: 78, description })

/** 0x + 32 bytes of lower-case hex (contract ids, Merkle roots, nonces). */
export const Hex32 = (description = '0x + 32 bytes of hex'): ReturnType<typeof Type.String> =>
  Type.String({ pattern: '^0x[0-9a-f]{64}$', minLength: 66, maxLength: 66, description })

/** A 65-byte secp256k1 signature as 0x + 130 hex digits (TIP-712, as tronweb signs). */
export const Signature = (description = 'a 65-byte signature, 0x + hex'): ReturnType<typeof Type.String> =>
  Type.String({ pattern: '^0x[0-9a-fA-F]{130}$', minLength: 132, maxLength: 132, description })

/** A TRON base58check address. */
export const TronAddress = (description = 'a TRON address (base58check)'): ReturnType<typeof Type.String> =>
  Type.String({ pattern: '^T[1-9A-HJ-NP-Za-km-z]{33}$', format: 'tron-address', minLength: 34, maxLength: 34, description })

/** A libp2p peer id. */
export const PeerIdString = (description = 'a libp2p peer id'): ReturnType<typeof Type.String> =>
  Type.String({ format: 'peer-id', minLength: 1, maxLength: 128, description })

/** Any CID (v0 or v1, any base). */
export const CidString = (description = 'a CID'): ReturnType<typeof Type.String> =>
  Type.String({ format: 'cid', minLength: 1, maxLength: 128, description })

/** A shard CID in its canonical form: CIDv1, raw, SHA-256, base32. */
export const ShardCid = (description = 'a shard CID (CIDv1 raw sha2-256, base32)'): ReturnType<typeof Type.String> =>
  Type.String({ format: 'shard-cid', minLength: 59, maxLength: 59, description })

/** A non-negative integer ≤ `maximum` (default: the largest safe integer). */
export const Uint = (options: { minimum?: number, maximum?: number, description?: string } = {}): ReturnType<typeof Type.Integer> =>
  Type.Integer({ minimum: options.minimum ?? 0, maximum: options.maximum ?? maxSafe, ...(options.description !== undefined ? { description: options.description } : {}) })

/** A short human-readable text (error messages, reasons), bounded. */
export const Text = (maxLength = 1024, description?: string): ReturnType<typeof Type.String> =>
  Type.String({ maxLength, ...(description !== undefined ? { description } : {}) })
