import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import Type, { type Static } from 'typebox'
import { domain, maxDuration } from '../contracts/terms.js'
import { PeerIdString, Signature, TronAddress, Uint, Uint256 } from '../validation/types.js'
import type { TypedData } from '../wallet/wallet.js'

/**
 * The DHT key every host provides and every renter looks up: the raw CID of
 * SHA-256("btfs-ts/hosts/v1"). One well-known key, like a rendezvous point.
 */
export const hostsKey = CID.createV1(raw.code, createDigest(sha256.code, createHash('sha256').update('btfs-ts/hosts/v1').digest()))

/** What a host offers, signed with its wallet key. Amounts are decimal strings of base units. */
export const HostAdSchema = Type.Object({
  peerId: PeerIdString(),
  /** TRON address of the host's wallet: it signs contracts and receives payment. */
  address: TronAddress("the host's wallet: it signs contracts and is paid"),
  /** Price per GiB per 30-day month. */
  price: Uint256('price per GiB per 30-day month, BTT base units'),
  capacity: Uint(),
  free: Uint(),
  minDuration: Uint({ minimum: 1, maximum: maxDuration }),
  maxDuration: Uint({ minimum: 1, maximum: maxDuration }),
  collateral: Uint256(),
  /** Unix seconds after which the ad must not be used. */
  expiry: Uint({ maximum: 2 ** 40 })
}, { additionalProperties: false })

export type HostAd = Static<typeof HostAdSchema>

export const SignedHostAdSchema = Type.Object({ ad: HostAdSchema, signature: Signature() }, { additionalProperties: false })

export type SignedHostAd = Static<typeof SignedHostAdSchema>

const adTypes = {
  HostAd: [
    { name: 'peerId', type: 'string' },
    { name: 'address', type: 'address' },
    { name: 'price', type: 'uint256' },
    { name: 'capacity', type: 'uint64' },
    { name: 'free', type: 'uint64' },
    { name: 'minDuration', type: 'uint32' },
    { name: 'maxDuration', type: 'uint32' },
    { name: 'collateral', type: 'uint256' },
    { name: 'expiry', type: 'uint64' }
  ]
}

export function hostAdTypedData (ad: HostAd, chainId: number): TypedData {
  return { domain: domain(chainId), types: adTypes, value: { ...ad } }
}
