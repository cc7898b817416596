import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { AppError } from '../errors/index.js'

/** Codec codes the node stores and walks. */
export const codecs = { raw: raw.code, dagPb: dagPb.code, dagCbor: dagCbor.code } as const

/** True when the CID inlines its data (identity multihash): no block to store or fetch. */
export function isInline (cid: CID): boolean {
  return cid.multihash.code === identity.code
}

function collectCids (value: unknown, out: CID[]): void {
  if (value === null || typeof value !== 'object') return
  const asCid = (value as { asCID?: unknown }).asCID
  if (asCid === value) { out.push(value as CID); return }
  if (value instanceof Uint8Array) return
  for (const v of Array.isArray(value) ? value : Object.values(value)) collectCids(v, out)
}

/** The CIDs a block links to, for the codecs btfs-ts stores (raw, dag-pb, dag-cbor). */
export function blockLinks (cid: CID, bytes: Uint8Array): CID[] {
  switch (cid.code) {
    case codecs.raw: return []
    case codecs.dagPb: return dagPb.decode(bytes).Links.map(l => l.Hash)
    case codecs.dagCbor: {
      const out: CID[] = []
      collectCids(dagCbor.decode(bytes), out)
      return out
    }
    default: throw new AppError('INVALID_CID', `unsupported codec 0x${cid.code.toString(16)} in ${cid.toString()}`)
  }
}

/** A compact string key for a multihash, for in-memory sets of blocks. */
export function multihashKey (multihash: Uint8Array): string {
  return Buffer.from(multihash.buffer, multihash.byteOffset, multihash.byteLength).toString('base64')
}
