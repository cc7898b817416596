import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { AppError } from '../errors/index.js'
import { cipherName, fileIdLength, keyLength } from './cipher.js'
import { checkShardParams, type ShardParams } from './params.js'

/** The manifest format this build writes and reads. */
export const manifestFormat = 'btfs-ts/shards'
export const manifestVersion = 1

/** One shard as the manifest records it. */
export interface ShardInfo {
  index: number
  /** CIDv1, raw, sha2-256 of the whole shard. */
  cid: CID
  size: number
  /** RFC 6962 SHA-256 Merkle root over `leafSize` leaves of the shard. */
  merkleRoot: Uint8Array
}

/** The file key: sealed to the owner's repo, or in clear for a public file. */
export type ManifestKey = { sealed: Uint8Array } | { clear: Uint8Array }

/**
 * Everything needed to rebuild a file from any k of its shards (dag-cbor, its own CID): the
 * plaintext root and size, the cipher, the erasure code, the Merkle leaf size, every shard.
 */
export interface Manifest {
  format: typeof manifestFormat
  version: typeof manifestVersion
  root: CID
  size: number
  cipher: { name: typeof cipherName, fileId: Uint8Array, key: ManifestKey }
  erasure: { name: 'reed-solomon-gf256', k: number, m: number, segmentSize: number }
  merkle: { name: 'sha2-256-rfc6962', leafSize: number }
  shards: ShardInfo[]
}

/** The shard parameters a manifest was made with. */
export function manifestParams (m: Manifest): ShardParams {
  return { k: m.erasure.k, m: m.erasure.m, segmentSize: m.erasure.segmentSize, leafSize: m.merkle.leafSize }
}

/** Encodes a manifest as a dag-cbor block; returns its CID (v1, dag-cbor, sha2-256) and bytes. */
export async function encodeManifest (manifest: Manifest): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = dagCbor.encode(manifest)
  return { cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bytes }
}

function fail (why: string): never {
  throw new AppError('MANIFEST_INVALID', `not a valid btfs-ts manifest: ${why}`)
}

function isBytes (v: unknown, length?: number): v is Uint8Array {
  return v instanceof Uint8Array && (length === undefined || v.length === length)
}

/** Decodes and checks a manifest block; MANIFEST_INVALID names what is wrong. */
export function decodeManifest (bytes: Uint8Array): Manifest {
  let m: Record<string, any>
  try {
    m = dagCbor.decode(bytes)
  } catch (err) {
    fail(`not dag-cbor (${(err as Error).message})`)
  }
  if (m === null || typeof m !== 'object') fail('not a map')
  if (m.format !== manifestFormat) fail(`format is ${String(m.format)}`)
  if (m.version !== manifestVersion) fail(`version ${String(m.version)}; this build reads version ${manifestVersion}`)
  if (CID.asCID(m.root) === null) fail('root is not a CID')
  if (!Number.isSafeInteger(m.size) || m.size < 0) fail('bad size')
  if (m.cipher?.name !== cipherName || !isBytes(m.cipher.fileId, fileIdLength)) fail('bad cipher')
  const key = m.cipher.key
  if (!(isBytes(key?.sealed, 60) || isBytes(key?.clear, keyLength))) fail('bad file key')
  if (m.erasure?.name !== 'reed-solomon-gf256' || m.merkle?.name !== 'sha2-256-rfc6962') fail('unknown erasure code or Merkle tree')
  try {
    checkShardParams({ k: m.erasure.k, m: m.erasure.m, segmentSize: m.erasure.segmentSize, leafSize: m.merkle.leafSize })
  } catch (err) {
    fail((err as Error).message)
  }
  const shards = m.shards
  if (!Array.isArray(shards) || shards.length !== m.erasure.k + m.erasure.m) fail('wrong number of shards')
  shards.forEach((s: Record<string, unknown>, i: number) => {
    const cid = CID.asCID(s.cid)
    if (s.index !== i || cid === null || cid.code !== raw.code || !Number.isSafeInteger(s.size) || !isBytes(s.merkleRoot, 32)) fail(`bad shard ${i}`)
  })
  return m as Manifest
}
