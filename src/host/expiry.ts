import { CID } from 'multiformats/cid'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractEnd } from '../contracts/terms.js'
import type { Logger } from '../logger.js'
import type { HostShardStore } from './shard-store.js'

export interface ExpiryInput {
  contracts: ContractStore
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
 * so a renter whose renewal came late loses nothing.
 */
export async function expireContracts (input: ExpiryInput): Promise<{ expired: ContractRecord[], deleted: string[] }> {
  const expired: ContractRecord[] = []
  const live = new Set<string>()
  const ended = new Set<string>()
  for await (const record of input.contracts.list('host')) {
    const cid = CID.parse(record.terms.shardCid).toString()
    if (record.state === 'failed' || record.state === 'expired') { ended.add(cid); continue }
    if (contractEnd(record.terms) * 1000 + input.graceMs <= input.now) {
      await input.contracts.put({ ...record, state: 'expired' })
      expired.push(record)
      ended.add(cid)
      input.logger.info({ contract: record.terms.id, cid, renter: record.terms.renterPeer }, 'contract expired')
    } else {
      live.add(cid)
    }
  }
  const deleted: string[] = []
  for (const cid of ended) {
    if (live.has(cid) || await input.shards.size(cid) === undefined) continue
    await input.shards.remove(cid)
    deleted.push(cid)
    input.logger.info({ cid }, 'shard deleted: no contract holds it any more')
  }
  return { expired, deleted }
}
