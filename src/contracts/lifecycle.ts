import { AppError } from '../errors/index.js'
import type { Receipt } from './terms.js'
import type { ContractRecord, ContractRole, ContractState, ContractStore } from './store.js'

/**
 * The allowed changes of a contract's state, for both roles:
 *
 *   signed ──stored──▶ stored ──expire──▶ expired
 *      │                  │
 *      └──fail──▶ failed ◀┘
 *
 * signed: both signatures exchanged, the shard not yet stored; stored: the host verified and
 * fsynced the shard and signed a receipt; failed: the upload failed, the reservation timed out,
 * or (renter) the host failed its proofs; expired: the term ended. failed and expired are final.
 */
const transitions: Record<ContractState, readonly ContractState[]> = {
  signed: ['stored', 'failed'],
  stored: ['expired', 'failed'],
  failed: [],
  expired: []
}

/** True when a contract may go from `from` to `to`. */
export function canTransition (from: ContractState, to: ContractState): boolean {
  return transitions[from].includes(to)
}

/**
 * Every change of a contract record goes through here: each function re-reads the record,
 * checks the transition against the table above and writes it durably, one contract at a time
 * (a proof failure and an upload finishing cannot interleave on one record). A transition that
 * is not allowed is INTERNAL: it is a bug, not a peer's doing.
 */
export class ContractLifecycle {
  readonly #store: ContractStore
  readonly #locks = new Map<string, Promise<unknown>>()

  constructor (store: ContractStore) {
    this.#store = store
  }

  /** Records a newly signed contract (its id must be new for this role). */
  async create (record: ContractRecord): Promise<ContractRecord> {
    return await this.#serial(record.role, record.terms.id, async () => {
      if (record.state !== 'signed') throw new AppError('INTERNAL', `a new contract must be signed, not ${record.state}`)
      if (await this.#store.get(record.role, record.terms.id) !== undefined) throw new AppError('INTERNAL', `contract ${record.terms.id} exists`)
      await this.#store.put(record)
      return record
    })
  }

  /** signed → stored, with the host's receipt. A contract already stored with this receipt is returned as it is. */
  async markStored (role: ContractRole, id: string, receipt: Receipt): Promise<ContractRecord> {
    return await this.#change(role, id, 'stored', record => ({ ...record, state: 'stored', receipt }), record => record.state === 'stored' && record.receipt?.signature === receipt.signature)
  }

  /** signed | stored → failed, with why. Already failed: unchanged. */
  async markFailed (role: ContractRole, id: string, error: string): Promise<ContractRecord> {
    return await this.#change(role, id, 'failed', record => ({ ...record, state: 'failed', error }), record => record.state === 'failed', true)
  }

  /** stored → expired (its term is over). Already expired: unchanged. */
  async expire (role: ContractRole, id: string): Promise<ContractRecord> {
    return await this.#change(role, id, 'expired', record => ({ ...record, state: 'expired' }), record => record.state === 'expired', true)
  }

  /** Renter: notes that `renewal` continues `old` (the state does not change). */
  async linkRenewal (id: string, renewal: string): Promise<void> {
    await this.#serial('renter', id, async () => {
      const record = await this.#store.get('renter', id)
      if (record === undefined) throw new AppError('INTERNAL', `no renter contract ${id}`)
      await this.#store.put({ ...record, renewedBy: renewal })
    })
  }

  async #change (role: ContractRole, id: string, to: ContractState, next: (record: ContractRecord) => ContractRecord, done: (record: ContractRecord) => boolean, lenient = false): Promise<ContractRecord> {
    return await this.#serial(role, id, async () => {
      const record = await this.#store.get(role, id)
      if (record === undefined) throw new AppError('INTERNAL', `no ${role} contract ${id}`)
      if (done(record)) return record
      if (!canTransition(record.state, to)) {
        // a contract that ended (failed or expired) meanwhile stays as it is
        if (lenient && (record.state === 'failed' || record.state === 'expired')) return record
        throw new AppError('INTERNAL', `contract ${id} cannot go from ${record.state} to ${to}`)
      }
      const changed = next(record)
      await this.#store.put(changed)
      return changed
    })
  }

  async #serial<T> (role: ContractRole, id: string, fn: () => Promise<T>): Promise<T> {
    const key = `${role}/${id}`
    const run = (this.#locks.get(key) ?? Promise.resolve()).then(fn, fn)
    const tail = run.catch(() => {})
    this.#locks.set(key, tail)
    void tail.then(() => { if (this.#locks.get(key) === tail) this.#locks.delete(key) })
    return await run
  }
}
