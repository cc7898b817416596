import type { ContractLifecycle } from '../contracts/lifecycle.js'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractEnd } from '../contracts/terms.js'
import type { Logger } from '../logger.js'
import type { HostShardStore } from './shard-store.js'

export interface ExpiryInput {
  contracts: ContractStore
  lifecycle: ContractLifecycle
  shards: HostShardStore
  logger: Logger
  /** ms a shard is kept after its contract ended (host.expiryGrace). */
  graceMs: number
  /** unix ms (the host's clock). */
  now: number
}

/**
 * Marks host contracts whose term plus the grace period is over as expired, then deletes every
 * shard file no live contract (signed or stored) holds any more: a renewal of the same shard
 * keeps it. Returns what it expired and deleted. Until the grace ends the shard is still served,
 * so a renter whose renewal came late loses nothing. One record that cannot be handled is logged
 * and skipped: the sweep never stops on it (corrupt records are skipped by the store already).
 */
export async function expireContracts (input: ExpiryInput): Promise<{ expired: ContractRecord[], deleted: string[] }> {
  const expired: ContractRecord[] = []
  const live = new Set<string>()
  const ended = new Set<string>()
  for await (const record of input.contracts.list('host')) {
    const cid = record.terms.shardCid
    if (record.state === 'failed' || record.state === 'expired') { ended.add(cid); continue }
    if (contractEnd(record.terms) * 1000 + input.graceMs > input.now) { live.add(cid); continue }
    try {
      expired.push(record.state === 'stored' ? await input.lifecycle.expire('host', record.terms.id) : await input.lifecycle.markFailed('host', record.terms.id, 'its term ended before the shard came'))
      ended.add(cid)
      input.logger.info({ contract: record.terms.id, cid, renter: record.terms.renterPeer }, 'contract expired')
    } catch (err) {
      input.logger.warn({ contract: record.terms.id, err: (err as Error).message }, 'could not expire a contract; skipped')
    }
  }
  const deleted: string[] = []
  for (const cid of ended) {
    if (live.has(cid)) continue
    try {
      if (await input.shards.size(cid) === undefined) continue
      await input.shards.remove(cid)
      deleted.push(cid)
      input.logger.info({ cid }, 'shard deleted: no contract holds it any more')
    } catch (err) {
      input.logger.warn({ cid, err: (err as Error).message }, 'could not delete an ended shard; skipped')
    }
  }
  return { expired, deleted }
}
