import { randomBytes } from 'node:crypto'
import type { TypedData } from '../wallet/wallet.js'

/** 2^30 bytes. */
export const GiB = 1n << 30n
/** Prices are per GiB per 30-day month. */
export const monthDays = 30n

/** The TIP-712 domain every btfs-ts signature uses (chain id from config wallet.chainId). */
export function domain (chainId: number): TypedData['domain'] {
  return { name: 'btfs-ts', version: '1', chainId }
}

/**
 * What a renter and a host agree on for one shard. Amounts are decimal strings of BTT base
 * units (1 BTT = 10^18); durations are days; times are unix seconds.
 */
export interface ContractTerms {
  /** 0x + 32 random bytes, chosen by the renter. */
  id: string
  renter: string
  renterPeer: string
  host: string
  hostPeer: string
  shardCid: string
  shardSize: number
  /** 0x + the shard's 32-byte Merkle root. */
  merkleRoot: string
  leafSize: number
  start: number
  duration: number
  /** Price per GiB-month the host asked. */
  price: string
  /** What the whole contract costs: price × size × days / (GiB × 30), rounded up. */
  amount: string
  /** Challenge policy: one challenge every `challengeInterval` seconds of `challengeLeaves` leaves. */
  challengeInterval: number
  challengeLeaves: number
}

const contractTypes = {
  Contract: [
    { name: 'id', type: 'bytes32' },
    { name: 'renter', type: 'address' },
    { name: 'renterPeer', type: 'string' },
    { name: 'host', type: 'address' },
    { name: 'hostPeer', type: 'string' },
    { name: 'shardCid', type: 'string' },
    { name: 'shardSize', type: 'uint64' },
    { name: 'merkleRoot', type: 'bytes32' },
    { name: 'leafSize', type: 'uint32' },
    { name: 'start', type: 'uint64' },
    { name: 'duration', type: 'uint32' },
    { name: 'price', type: 'uint256' },
    { name: 'amount', type: 'uint256' },
    { name: 'challengeInterval', type: 'uint32' },
    { name: 'challengeLeaves', type: 'uint32' }
  ]
}

/** The typed data both parties sign for `terms`. */
export function contractTypedData (terms: ContractTerms, chainId: number): TypedData {
  return { domain: domain(chainId), types: contractTypes, value: { ...terms } }
}

/** A receipt: the host's signed statement that it holds the contract's shard, verified. */
export interface Receipt {
  contractId: string
  shardCid: string
  storedAt: number
  signature: string
}

const receiptTypes = {
  Receipt: [
    { name: 'contractId', type: 'bytes32' },
    { name: 'shardCid', type: 'string' },
    { name: 'storedAt', type: 'uint64' }
  ]
}

export function receiptTypedData (r: Omit<Receipt, 'signature'>, chainId: number): TypedData {
  return { domain: domain(chainId), types: receiptTypes, value: { contractId: r.contractId, shardCid: r.shardCid, storedAt: r.storedAt } }
}

/** price (per GiB-month) × size × days / (GiB × 30), rounded up: what a contract costs. */
export function contractAmount (price: bigint, size: number, days: number): bigint {
  const num = price * BigInt(size) * BigInt(days)
  const den = GiB * monthDays
  return (num + den - 1n) / den
}

/** When the contract ends, in unix seconds: start + duration days. */
export function contractEnd (terms: Pick<ContractTerms, 'start' | 'duration'>): number {
  return terms.start + terms.duration * 86400
}

export function newContractId (): string {
  return '0x' + randomBytes(32).toString('hex')
}

const hex32 = /^0x[0-9a-f]{64}$/
const decimal = /^(0|[1-9][0-9]{0,77})$/

/** Why terms are malformed, or undefined when they are well formed (types and ranges only). */
export function malformedTerms (t: unknown): string | undefined {
  if (t === null || typeof t !== 'object') return 'terms are not an object'
  const c = t as Record<string, unknown>
  const strings = ['id', 'renter', 'renterPeer', 'host', 'hostPeer', 'shardCid', 'merkleRoot', 'price', 'amount']
  for (const key of strings) if (typeof c[key] !== 'string') return `${key} is not a string`
  const ints = ['shardSize', 'leafSize', 'start', 'duration', 'challengeInterval', 'challengeLeaves']
  for (const key of ints) if (!Number.isSafeInteger(c[key]) || (c[key] as number) < 0) return `${key} is not a non-negative integer`
  if (!hex32.test(c.id as string)) return 'id is not 0x + 32 bytes of hex'
  if (!hex32.test(c.merkleRoot as string)) return 'merkleRoot is not 0x + 32 bytes of hex'
  if (!decimal.test(c.price as string) || !decimal.test(c.amount as string)) return 'price and amount must be decimal integers'
  if ((c.shardSize as number) < 1) return 'shardSize must be at least 1'
  if ((c.duration as number) < 1) return 'duration must be at least 1 day'
  if ((c.leafSize as number) < 64 || (c.leafSize as number) > 1048576) return 'leafSize out of range'
  return undefined
}
