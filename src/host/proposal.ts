import type { Config } from '../config/index.js'
import { contractAmount, maxChallengeBytes, type ContractTerms } from '../contracts/terms.js'
import { RemoteRefusal } from '../network/errors.js'
import type { HostBook } from './book.js'

export type HostSettings = Config['host']

/** Why a host turned a proposal down: a stable code the renter can act on. */
export type RejectCode = 'NOT_A_HOST' | 'PRICE_TOO_LOW' | 'NO_CAPACITY' | 'DURATION_OUT_OF_RANGE' | 'BAD_SIGNATURE' | 'BAD_TERMS' | 'DUPLICATE' | 'OVERDUE' | 'TOO_MANY_PENDING'

/** A refusal of a proposal, sent as the error reply with its code. */
export function reject (code: RejectCode, message: string): RemoteRefusal {
  return new RemoteRefusal(code, message)
}

/** Seconds a new contract's start may differ from the host's clock. */
export const clockSkew = 600

/** What the checks need to know of the host. */
export interface ProposalContext {
  settings: HostSettings
  /** The host's wallet address and peer id. */
  address: string
  peerId: string
  /** The proposing peer. */
  peer: string
  minChallengeIntervalMs: number
  book: HostBook
  /** Unix seconds. */
  now: number
}

/**
 * The checks of a proposal that need no disk and no signature check, cheapest first: whom it
 * names, price, amount, duration, challenge policy, start (a start in the future is only a
 * renewal: the same renter's live contract for the same shard ends exactly then). Throws the
 * refusal; the capacity and pending checks run later under the host's lock.
 */
export function checkTerms (t: ContractTerms, c: ProposalContext): void {
  const s = c.settings
  if (!s.enabled) throw reject('NOT_A_HOST', 'host mode is off')
  if (t.host !== c.address || t.hostPeer !== c.peerId) throw reject('BAD_TERMS', 'the proposal names another host')
  if (t.renterPeer !== c.peer) throw reject('BAD_TERMS', 'renterPeer is not the peer proposing')
  if (BigInt(t.price) < BigInt(s.price)) throw reject('PRICE_TOO_LOW', `price ${t.price} is below this host's ${s.price} per GiB-month`)
  if (BigInt(t.amount) !== contractAmount(BigInt(t.price), t.shardSize, t.duration)) throw reject('BAD_TERMS', 'amount is not price × size × duration')
  if (t.duration < s.minDuration || t.duration > s.maxDuration) throw reject('DURATION_OUT_OF_RANGE', `duration ${t.duration} days is outside ${s.minDuration}–${s.maxDuration}`)
  if (t.challengeIntervalMs < c.minChallengeIntervalMs) throw reject('BAD_TERMS', `a challenge every ${t.challengeIntervalMs} ms is more often than this host answers (every ${c.minChallengeIntervalMs} ms at most)`)
  if (t.challengeLeaves * t.leafSize > maxChallengeBytes) throw reject('BAD_TERMS', `challenges of ${t.challengeLeaves} leaves of ${t.leafSize} bytes exceed ${maxChallengeBytes} bytes`)
  if (t.start < c.now - clockSkew) throw reject('BAD_TERMS', 'start is in the past')
  if (t.start > c.now + clockSkew && !renews(t, c.book)) throw reject('BAD_TERMS', 'start is in the future and does not continue a contract of this renter for this shard')
}

/** True when `t` starts exactly where a live contract of the same renter for the same shard ends. */
function renews (t: ContractTerms, book: HostBook): boolean {
  for (const e of book.ofRenter(t.renter)) {
    if (e.renterPeer === t.renterPeer && e.shardCid === t.shardCid && e.shardSize === t.shardSize && (e.state === 'stored' || e.state === 'signed') && e.end === t.start) return true
  }
  return false
}

/**
 * The checks that must hold atomically with the reservation (run under the host's lock): the
 * peer's and the node's unfilled contracts, and capacity — a shard CID already held counts no
 * new bytes, but only at the size it is held with (the CID fixes the size).
 */
export function checkReservation (t: ContractTerms, c: Pick<ProposalContext, 'settings' | 'book'>): void {
  const { settings: s, book } = c
  if (book.get(t.id) !== undefined) throw reject('DUPLICATE', 'a contract with this id exists')
  if (book.pendingOf(t.renterPeer) >= s.maxPendingPerPeer) throw reject('TOO_MANY_PENDING', `this peer has ${book.pendingOf(t.renterPeer)} contracts whose shards never came: fill or let them lapse first`)
  if (book.pendingTotal >= s.maxPending) throw reject('TOO_MANY_PENDING', 'this host has too many contracts waiting for their shards')
  const held = book.held(t.shardCid)
  if (held !== undefined) {
    if (held.size !== t.shardSize) throw reject('BAD_TERMS', `shard ${t.shardCid} is ${held.size} bytes, not ${t.shardSize}`)
    return
  }
  const free = Math.max(0, s.capacity - book.used)
  if (t.shardSize > free) throw reject('NO_CAPACITY', `${t.shardSize} bytes do not fit in ${free} free`)
}
