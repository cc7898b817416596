import type { ContractRecord } from '../contracts/store.js'
import { contractEnd } from '../contracts/terms.js'

/** What the host keeps in memory of one of its contracts. */
export interface BookEntry {
  id: string
  renter: string
  renterPeer: string
  shardCid: string
  shardSize: number
  state: ContractRecord['state']
  created: number
  /** unix seconds */
  start: number
  end: number
}

/**
 * The host's in-memory index of its contracts, loaded at start and kept in step with every
 * change (HostService is the only writer of host contracts): what is held or reserved per shard
 * CID, how many contracts each peer left unfilled, which renter a peer is. Every check a peer's
 * request triggers is a map lookup here, never a scan of the contracts bucket.
 */
export class HostBook {
  readonly #entries = new Map<string, BookEntry>()
  /** shard CID → bytes and live (signed or stored) contracts holding it */
  readonly #held = new Map<string, { size: number, contracts: number }>()
  /** renter peer → signed (unfilled) contracts */
  readonly #pending = new Map<string, number>()
  readonly #renterOfPeer = new Map<string, string>()
  #pendingTotal = 0

  /** Adds or updates a contract from its record. */
  set (record: ContractRecord): void {
    const t = record.terms
    this.#forget(t.id)
    const entry: BookEntry = { id: t.id, renter: t.renter, renterPeer: t.renterPeer, shardCid: t.shardCid, shardSize: t.shardSize, state: record.state, created: record.created, start: t.start, end: contractEnd(t) }
    this.#entries.set(t.id, entry)
    this.#renterOfPeer.set(t.renterPeer, t.renter)
    if (entry.state === 'signed' || entry.state === 'stored') {
      const held = this.#held.get(t.shardCid)
      if (held === undefined) this.#held.set(t.shardCid, { size: t.shardSize, contracts: 1 })
      else held.contracts++
    }
    if (entry.state === 'signed') {
      this.#pending.set(t.renterPeer, (this.#pending.get(t.renterPeer) ?? 0) + 1)
      this.#pendingTotal++
    }
  }

  #forget (id: string): void {
    const old = this.#entries.get(id)
    if (old === undefined) return
    this.#entries.delete(id)
    if (old.state === 'signed' || old.state === 'stored') {
      const held = this.#held.get(old.shardCid)
      if (held !== undefined && --held.contracts <= 0) this.#held.delete(old.shardCid)
    }
    if (old.state === 'signed') {
      const n = (this.#pending.get(old.renterPeer) ?? 1) - 1
      if (n <= 0) this.#pending.delete(old.renterPeer); else this.#pending.set(old.renterPeer, n)
      this.#pendingTotal--
    }
  }

  get (id: string): BookEntry | undefined {
    return this.#entries.get(id)
  }

  /** Bytes held or reserved for live contracts (a shard under two contracts counts once). */
  get used (): number {
    let used = 0
    for (const { size } of this.#held.values()) used += size
    return used
  }

  /** The shard `cid` as held or reserved now (size and live contracts), if it is. */
  held (cid: string): { size: number, contracts: number } | undefined {
    return this.#held.get(cid)
  }

  /** Contracts `peer` signed and has not filled yet. */
  pendingOf (peer: string): number {
    return this.#pending.get(peer) ?? 0
  }

  /** Signed, unfilled contracts of all peers. */
  get pendingTotal (): number {
    return this.#pendingTotal
  }

  /** The wallet address `peer` contracts with, if it ever did. */
  renterOf (peer: string): string | undefined {
    return this.#renterOfPeer.get(peer)
  }

  /** Contracts of `renter` (by wallet address). */
  ofRenter (renter: string): BookEntry[] {
    return [...this.#entries.values()].filter(e => e.renter === renter)
  }

  /** Every contract, in no order. */
  all (): IterableIterator<BookEntry> {
    return this.#entries.values()
  }
}
