import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractEnd } from '../contracts/terms.js'
import type { Logger } from '../logger.js'
import type { RepairRecord, UploadService, UploadSession } from './upload.js'

export interface RepairComponents {
  uploads: UploadService
  contracts: ContractStore
  logger: Logger
  /** ms between two checks of every file (storage.repairInterval). */
  intervalMs: number
  /** storage.repairThreshold: 0 means k + ⌈m / 2⌉. */
  threshold: number
  autoRenew: boolean
  /** storage.renewBefore in ms. */
  renewBeforeMs: number
}

/** One shard of a file as the checker sees it. */
export interface ShardHealth {
  index: number
  healthy: boolean
  /** Lost: no contract in force and its last one failed (or ended unrenewed while autoRenew is on). */
  lost: boolean
  /** The contract the shard is stored under now, or the last one it had. */
  current?: ContractRecord
  /** Every contract made for this shard, oldest first. */
  contracts: ContractRecord[]
}

/** The repair threshold of a k + m file: `configured`, or k + ⌈m / 2⌉ when it is 0; never above k + m. */
export function repairThreshold (configured: number, k: number, m: number): number {
  return Math.min(k + m, configured > 0 ? configured : k + Math.ceil(m / 2))
}

/**
 * The renter's upkeep of its uploaded files, every storage.repairInterval and whenever a
 * contract fails: a shard is healthy while a contract holds it (stored, in its term); when a
 * file has fewer healthy shards than the repair threshold, its lost shards are rebuilt and
 * stored on new hosts (UploadService.repair). With storage.autoRenew, a contract with less than
 * storage.renewBefore left is renewed with the same host. A file whose contracts all ended with
 * autoRenew off has expired: it is not repaired.
 */
export class RepairService {
  readonly #c: RepairComponents
  #timer?: NodeJS.Timeout
  #soon?: NodeJS.Timeout
  #checking?: Promise<void>
  #again = false
  #stopped = false

  constructor (components: RepairComponents) {
    this.#c = components
  }

  start (): void {
    this.#timer = setInterval(() => { this.poke() }, this.#c.intervalMs)
    this.#timer.unref()
    this.poke()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    clearTimeout(this.#soon)
    await this.#checking?.catch(() => {})
  }

  /** Runs a check soon (a contract just failed); checks requested during one run once more after it. */
  poke (): void {
    if (this.#stopped || this.#soon !== undefined) return
    this.#soon = setTimeout(() => {
      this.#soon = undefined
      if (this.#checking !== undefined) { this.#again = true; return }
      this.#checking = this.check()
        .catch((err: Error) => { this.#c.logger.warn({ err: err.message }, 'repair check failed') })
        .finally(() => {
          this.#checking = undefined
          if (this.#again) { this.#again = false; this.poke() }
        })
    }, 100)
    this.#soon.unref()
  }

  /** The health of every shard of `session`, from the renter's contracts. */
  async health (session: UploadSession, now = Date.now()): Promise<ShardHealth[]> {
    const bySession: ContractRecord[] = []
    for await (const record of this.#c.contracts.list('renter')) if (record.upload?.session === session.id) bySession.push(record)
    return this.#health(session, bySession, now)
  }

  #health (session: UploadSession, records: ContractRecord[], now: number): ShardHealth[] {
    return session.shards.map(shard => {
      const contracts = records.filter(r => r.upload?.index === shard.index).sort((a, b) => a.created - b.created)
      const inForce = contracts.filter(r => r.state === 'stored' && contractEnd(r.terms) * 1000 > now)
      const current = inForce.find(r => r.terms.start * 1000 <= now) ?? inForce[0] ?? contracts[contracts.length - 1]
      const last = contracts[contracts.length - 1]
      const healthy = inForce.length > 0
      const lost = !healthy && last !== undefined && (last.state === 'failed' || (this.#c.autoRenew && (last.state === 'expired' || contractEnd(last.terms) * 1000 <= now)))
      return { index: shard.index, healthy, lost, ...(current !== undefined ? { current } : {}), contracts }
    })
  }

  /** One pass over every complete upload: renewals first, then repairs. */
  async check (now = Date.now()): Promise<void> {
    const records = new Map<string, ContractRecord[]>()
    for await (const record of this.#c.contracts.list('renter')) {
      const id = record.upload?.session
      if (id !== undefined) records.set(id, [...records.get(id) ?? [], record])
    }
    for (const session of await this.#c.uploads.list()) {
      if (this.#stopped) return
      if (session.state !== 'complete') continue
      const shards = this.#health(session, records.get(session.id) ?? [], now)
      if (this.#c.autoRenew) {
        for (const shard of shards) {
          const tail = shard.contracts.find(r => r.state === 'stored' && r.renewedBy === undefined && contractEnd(r.terms) * 1000 > now)
          if (tail !== undefined && contractEnd(tail.terms) * 1000 - now < this.#c.renewBeforeMs) await this.#c.uploads.renew(tail)
        }
      }
      const healthy = shards.filter(s => s.healthy).length
      const lost = shards.filter(s => s.lost)
      const threshold = repairThreshold(this.#c.threshold, session.k, session.m)
      if (healthy >= threshold || lost.length === 0) continue
      const lostAt = Math.min(...lost.map(s => s.current?.updated ?? now))
      const entries: RepairRecord['lost'] = lost.map(s => ({ index: s.index, ...(s.current !== undefined ? { host: s.current.terms.hostPeer, contract: s.current.terms.id } : {}) }))
      this.#c.logger.warn({ upload: session.id, root: session.root, healthy, threshold, lost: entries.map(e => e.index) }, 'file below its repair threshold')
      await this.#c.uploads.repair(session.id, entries, lostAt)
    }
  }
}
