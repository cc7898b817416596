/**
 * Cheques: cumulative TIP-712 promises of BTT from a renter's vault to a host, and the amounts
 * they carry. A cheque names the vault, the beneficiary (the host's wallet) and the total paid
 * to that beneficiary so far; each new cheque raises the total by what the latest proven
 * periods earned, so only the latest one matters and a lost cheque loses nothing.
 */
import { GiB, monthDays, type ContractTerms } from '../contracts/terms.js'
import type { TypedData } from '../wallet/wallet.js'
import type { Cheque } from './chain.js'

export type { Cheque } from './chain.js'

const chequeTypes = {
  Cheque: [
    { name: 'vault', type: 'address' },
    { name: 'beneficiary', type: 'address' },
    { name: 'cumulativePayout', type: 'uint256' }
  ]
}

/**
 * The typed data a renter signs: domain {btfs-ts, 1, chainId, vault} (the vault contract
 * checks exactly this, so a cheque for one vault or chain never cashes on another).
 */
export function chequeTypedData (cheque: Omit<Cheque, 'signature'>, chainId: number): TypedData {
  return {
    domain: { name: 'btfs-ts', version: '1', chainId, verifyingContract: cheque.vault },
    types: chequeTypes,
    value: { vault: cheque.vault, beneficiary: cheque.beneficiary, cumulativePayout: cheque.cumulativePayout }
  }
}

/**
 * One span of one contract's term, closed by a challenge round (see PeriodSchema in
 * src/network/protocols/cheque.ts): paid when the round passed, listed with amount 0 when it
 * failed or was missed, so the periods of a contract cover its term without a gap.
 */
export type { PeriodValue as PaidPeriod } from '../network/protocols/cheque.js'

const msPerMonth = monthDays * 86_400_000n

/**
 * What a contract has earned for `provenMs` ms of proven storage in all: price (per GiB-month) ×
 * shard size × time, floored to a base unit. Amounts are computed on the running total, so the
 * periods of a contract add up to exactly price × size × proven time (no rounding builds up).
 */
export function earned (terms: Pick<ContractTerms, 'price' | 'shardSize'>, provenMs: number): bigint {
  return BigInt(terms.price) * BigInt(terms.shardSize) * BigInt(Math.max(0, Math.round(provenMs))) / (GiB * msPerMonth)
}

/** What a period of `ms` earns after `provenBefore` ms of the contract were already paid. */
export function periodAmount (terms: Pick<ContractTerms, 'price' | 'shardSize'>, provenBefore: number, ms: number): bigint {
  return ms > 0 ? earned(terms, provenBefore + ms) - earned(terms, provenBefore) : 0n
}

/** True for a decimal string of a non-negative integer without leading zeros. */
export function isAmount (value: unknown): value is string {
  return typeof value === 'string' && /^(0|[1-9][0-9]{0,77})$/.test(value)
}
