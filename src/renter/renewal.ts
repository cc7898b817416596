import type { ContractLifecycle } from '../contracts/lifecycle.js'
import type { ContractRecord } from '../contracts/store.js'
import { contractAmount, contractEnd, newContractId, type ContractTerms } from '../contracts/terms.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import type { HostDirectory } from './directory.js'
import type { HostClient } from './host-client.js'
import type { RenewalFailure, SessionStore } from './sessions.js'

export interface RenewerComponents {
  lifecycle: ContractLifecycle
  hosts: HostClient
  directory: HostDirectory
  sessions: SessionStore
  logger: Logger
  /** True while an upload or repair runs on the session (a renewal then waits for the next check). */
  busy: (session: string) => boolean
}

/**
 * Renews a stored renter contract with the same host: a new contract for the same shard starting
 * when the old one ends, for the session's duration, at the host's current price if it rose (and
 * only within the session's maximum). The host holds the shard already, so it signs a receipt
 * without receiving it again. Failures are recorded in the session; the repair service moves the
 * shard to another host if the contract then ends unrenewed.
 */
export class Renewer {
  readonly #c: RenewerComponents

  constructor (components: RenewerComponents) {
    this.#c = components
  }

  async renew (old: ContractRecord): Promise<ContractRecord | undefined> {
    const sessionId = old.upload?.session
    const session = sessionId === undefined ? undefined : await this.#c.sessions.get(sessionId)
    if (session === undefined || old.upload === undefined || this.#c.busy(session.id)) return undefined
    const index = old.upload.index
    try {
      const known = (await this.#c.directory.list()).find(h => h.peerId === old.terms.hostPeer)
      const price = known !== undefined && BigInt(known.ad.price) > BigInt(old.terms.price) ? known.ad.price : old.terms.price
      if (BigInt(price) > BigInt(session.maxPrice)) throw new AppError('NO_HOSTS', `the host now asks ${price}, above the session's maximum ${session.maxPrice}`)
      const terms: ContractTerms = {
        ...old.terms,
        id: newContractId(),
        start: contractEnd(old.terms),
        duration: session.duration,
        price,
        amount: contractAmount(BigInt(price), old.terms.shardSize, session.duration).toString()
      }
      const signed = await this.#c.hosts.sign(terms, { session: session.id, index }, old.terms.id)
      const receipt = await this.#c.hosts.confirmHeld(signed)
      const stored = await this.#c.lifecycle.markStored('renter', terms.id, receipt)
      await this.#c.lifecycle.linkRenewal(old.terms.id, terms.id)
      this.#c.logger.info({ upload: session.id, shard: index, host: terms.hostPeer, contract: terms.id, until: contractEnd(terms) }, 'contract renewed')
      return stored
    } catch (err) {
      const failure: RenewalFailure = { at: Date.now(), index, contract: old.terms.id, host: old.terms.hostPeer, error: (err as Error).message.slice(0, 2000) }
      session.renewalFailures = [...(session.renewalFailures ?? []).slice(-9), failure]
      await this.#c.sessions.save(session)
      this.#c.logger.warn(failure, 'renewal failed; retried later, the shard moves to another host if the contract ends')
      return undefined
    }
  }
}
