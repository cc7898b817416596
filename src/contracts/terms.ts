import { randomBytes } from 'node:crypto'
import Type, { type Static } from 'typebox'
import type { TypedData } from '../wallet/wallet.js'
import { Hex32, PeerIdString, ShardCid, Signature, TronAddress, Uint, Uint256 } from '../validation/types.js'

/** 2^30 bytes. */
export const GiB = 1n << 30n
/** Prices are per GiB per 30-day month. */
export const monthDays = 30n

/** The TIP-712 domain every btfs-ts signature uses (chain id from config wallet.chainId). */
export function domain (chainId: number): TypedData['domain'] {
  return { name: 'btfs-ts', version: '1', chainId }
}

/** Longest contract, days (100 years). */
export const maxDuration = 36_500
/** Largest shard a contract may name (1 TiB). */
export const maxShardSize = 2 ** 40
/** Most bytes one challenge answer may carry in leaves (challengeLeaves × leafSize). */
export const maxChallengeBytes = 8 * 1024 * 1024

/**
 * What a renter and a host agree on for one shard, as a schema: the wire message, the stored
 * record and the TIP-712 value are this one shape. Amounts are decimal strings of BTT base units
 * (1 BTT = 10^18); durations are days; times are unix seconds; the challenge policy (how often,
 * how many leaves) is signed too, and both the renter's scheduler and the host's prover follow it.
 */
export const ContractTermsSchema = Type.Object({
  /** 0x + 32 random bytes, chosen by the renter. */
  id: Hex32('contract id: 0x + 32 random bytes chosen by the renter'),
  renter: TronAddress("the renter's wallet"),
  renterPeer: PeerIdString("the renter's peer id"),
  host: TronAddress("the host's wallet"),
  hostPeer: PeerIdString("the host's peer id"),
  shardCid: ShardCid(),
  shardSize: Uint({ minimum: 1, maximum: maxShardSize }),
  /** 0x + the shard's 32-byte Merkle root. */
  merkleRoot: Hex32("0x + the shard's Merkle root"),
  leafSize: Uint({ minimum: 64, maximum: 1024 * 1024 }),
  start: Uint({ maximum: 2 ** 40, description: 'unix seconds' }),
  duration: Uint({ minimum: 1, maximum: maxDuration, description: 'days' }),
  /** Price per GiB-month the host asked. */
  price: Uint256('price per GiB per 30-day month, BTT base units'),
  /** What the whole contract costs: price × size × days / (GiB × 30), rounded up. */
  amount: Uint256('what the whole contract costs, BTT base units'),
  /** Challenge policy: a challenge every `challengeIntervalMs` on average, of `challengeLeaves` leaves. */
  challengeIntervalMs: Uint({ minimum: 100, maximum: 2 ** 31 - 1, description: 'mean ms between two challenges' }),
  challengeLeaves: Uint({ minimum: 1, maximum: 64, description: 'leaves asked per challenge' })
}, { additionalProperties: false })

export type ContractTerms = Static<typeof ContractTermsSchema>

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
    { name: 'challengeIntervalMs', type: 'uint32' },
    { name: 'challengeLeaves', type: 'uint32' }
  ]
}

/** The typed data both parties sign for `terms`. */
export function contractTypedData (terms: ContractTerms, chainId: number): TypedData {
  return { domain: domain(chainId), types: contractTypes, value: { ...terms } }
}

/** A receipt: the host's signed statement that it holds the contract's shard, verified. */
export const ReceiptSchema = Type.Object({
  contractId: Hex32(),
  shardCid: ShardCid(),
  storedAt: Uint({ maximum: 2 ** 40, description: 'unix seconds' }),
  signature: Signature()
}, { additionalProperties: false })

export type Receipt = Static<typeof ReceiptSchema>

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
