import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { domain } from '../contracts/terms.js'
import type { TypedData } from '../wallet/wallet.js'

/**
 * The DHT key every host provides and every renter looks up: the raw CID of
 * SHA-256("btfs-ts/hosts/v1"). One well-known key, like a rendezvous point.
 */
export const hostsKey = CID.createV1(raw.code, createDigest(sha256.code, createHash('sha256').update('btfs-ts/hosts/v1').digest()))

/** What a host offers, signed with its wallet key. Amounts are decimal strings of base units. */
export interface HostAd {
  peerId: string
  /** TRON address of the host's wallet: it signs contracts and receives payment. */
  address: string
  /** Price per GiB per 30-day month. */
  price: string
  capacity: number
  free: number
  minDuration: number
  maxDuration: number
  collateral: string
  /** Unix seconds after which the ad must not be used. */
  expiry: number
}

export interface SignedHostAd {
  ad: HostAd
  signature: string
}

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

/** Why an ad is malformed (types only), or undefined. */
export function malformedAd (value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'ad is not an object'
  const a = value as Record<string, unknown>
  for (const key of ['peerId', 'address', 'price', 'collateral']) if (typeof a[key] !== 'string') return `${key} is not a string`
  for (const key of ['capacity', 'free', 'minDuration', 'maxDuration', 'expiry']) if (!Number.isSafeInteger(a[key]) || (a[key] as number) < 0) return `${key} is not a non-negative integer`
  if (!/^(0|[1-9][0-9]{0,77})$/.test(a.price as string) || !/^(0|[1-9][0-9]{0,77})$/.test(a.collateral as string)) return 'price and collateral must be decimal integers'
  return undefined
}
