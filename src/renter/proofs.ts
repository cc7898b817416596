import { randomBytes } from 'node:crypto'
import Type, { type Static } from 'typebox'
import type { ContractLifecycle } from '../contracts/lifecycle.js'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractEnd } from '../contracts/terms.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import type { Network } from '../network/interface.js'
import { challenge } from '../network/protocols/challenge.js'
import { challengeIndices, verifyAnswer } from '../proofs/challenge.js'
import { leafCountOf } from '../merkle/index.js'
import type { Datastore, Table } from '../store/index.js'
import { Hex32, Text, Uint } from '../validation/types.js'

/** One challenge round as the renter recorded it: enough to replay the check. */
export const ChallengeRoundSchema = Type.Object({
  /** unix ms, sent to the host as the round's time */
  at: Uint(),
  nonce: Hex32(),
  indices: Type.Array(Uint(), { maxItems: 64 }),
  verdict: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('missed')]),
  reason: Type.Optional(Text(2048))
})

export type ChallengeRound = Static<typeof ChallengeRoundSchema>

/** What the renter knows of a contract's proofs (bucket proofs). */
export const ProofRecordSchema = Type.Object({
  contractId: Hex32(),
  passes: Uint(),
  failures: Uint(),
  consecutiveFailures: Uint(),
  lastProven: Type.Optional(Uint()),
  last: Type.Optional(ChallengeRoundSchema),
  /** Unix ms where the next round's period starts: the last round, or the contract's start. */
  periodStart: Type.Optional(Uint()),
  /** ms of storage proven: the periods (round before → passed round, within the term) of passed rounds. */
  provenMs: Type.Optional(Uint())
})

export type ProofRecord = Static<typeof ProofRecordSchema>

export interface SchedulerComponents {
  network: Network
  contracts: ContractStore
  lifecycle: ContractLifecycle
  datastore: Datastore
  logger: Logger
  chainId: number
  /** How long a host has to answer (proofs.timeout). */
  timeoutMs: number
  maxFailures: number
  /** Told when a contract is marked failed (the repair service looks at its file). */
  onFailed?: (record: ContractRecord) => void
  /**
   * Told after each recorded round with the period it closes (unix ms, from the round before or
   * the contract's start, within the term): the payer pays for the periods of passed rounds only.
   */
  onRound?: (record: ContractRecord, round: ChallengeRound, period: { from: number, to: number }) => void
}

/**
 * Challenges every stored renter contract at random times (exponential gaps with the mean its
 * signed policy gives, so a host cannot predict the next round), asking as many leaves as the
 * policy says, verifies the answers against the contract's Merkle root, and records each round. `maxFailures` consecutive failed or missed
 * rounds mark the contract failed. Records live in LevelDB, so counts survive restarts.
 */
export class ProofScheduler {
  readonly #c: SchedulerComponents
  readonly #bucket: Table<typeof ProofRecordSchema>
  readonly #timers = new Map<string, NodeJS.Timeout>()
  #scan?: NodeJS.Timeout
  #stopped = false

  constructor (components: SchedulerComponents) {
    this.#c = components
    this.#bucket = components.datastore.table('proofs', ProofRecordSchema)
  }

  async start (): Promise<void> {
    await this.#sync()
    this.#scan = setInterval(() => { this.#sync().catch(() => {}) }, 1000)
    this.#scan.unref()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearInterval(this.#scan)
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }

  async get (contractId: string): Promise<ProofRecord | undefined> {
    return await this.#bucket.get(contractId)
  }

  /**
   * Schedules every stored renter contract in its term not yet scheduled (a renewal waits for its
   * start); a contract whose term is over is marked expired: nothing more to prove or pay.
   */
  async #sync (): Promise<void> {
    const now = Date.now()
    for await (const record of this.#c.contracts.list('renter')) {
      if (record.state !== 'stored') continue
      if (contractEnd(record.terms) * 1000 <= now) {
        clearTimeout(this.#timers.get(record.terms.id))
        this.#timers.delete(record.terms.id)
        await this.#c.lifecycle.expire('renter', record.terms.id)
        continue
      }
      if (record.terms.start * 1000 <= now && !this.#timers.has(record.terms.id)) this.#schedule(record.terms.id, record.terms.challengeIntervalMs)
    }
  }

  /**
   * Arms the next round of a contract. Its timer stays in #timers through the round and until the
   * one after is armed, so #sync (every few seconds) never starts a second chain of rounds.
   */
  #schedule (contractId: string, intervalMs: number): void {
    if (this.#stopped) return
    const delay = Math.min(-Math.log(1 - Math.random()) * intervalMs, 2 ** 31 - 1)
    const timer = setTimeout(() => {
      this.#scheduledRound(contractId).catch((err: Error) => { this.#c.logger.warn({ contract: contractId, err: err.message }, 'challenge round failed to run') })
        .finally(() => { void this.#next(contractId, timer) })
    }, delay)
    timer.unref()
    this.#timers.set(contractId, timer)
  }

  /** After a round: the next one, while the contract is stored and in its term (and its chain was not cleared meanwhile). */
  async #next (contractId: string, timer: NodeJS.Timeout): Promise<void> {
    const record = await this.#c.contracts.get('renter', contractId).catch(() => undefined)
    if (this.#timers.get(contractId) !== timer) return
    this.#timers.delete(contractId)
    if (record?.state === 'stored' && contractEnd(record.terms) * 1000 > Date.now()) this.#schedule(contractId, record.terms.challengeIntervalMs)
  }

  /**
   * A timer's round: skipped when the contract stopped being stored meanwhile (failed by the
   * round before) or its term is over (a round's time must lie in the term: periods end there).
   */
  async #scheduledRound (contractId: string): Promise<void> {
    const record = await this.#c.contracts.get('renter', contractId)
    if (record?.state === 'stored' && Date.now() < contractEnd(record.terms) * 1000) await this.#round(contractId)
  }

  async #round (contractId: string): Promise<ChallengeRound> {
    const record = await this.#c.contracts.get('renter', contractId)
    if (record === undefined) throw new AppError('NOT_FOUND', `no contract ${contractId}`)
    const t = record.terms
    const nonce = '0x' + randomBytes(32).toString('hex')
    const leafCount = leafCountOf(t.shardSize, t.leafSize)
    const round: ChallengeRound = { at: Date.now(), nonce, indices: challengeIndices(nonce, t.id, leafCount, t.challengeLeaves), verdict: 'missed' }
    try {
      const answer = await challenge(this.#c.network, t.hostPeer, { contractId: t.id, nonce, at: round.at }, { leaves: t.challengeLeaves, leafSize: t.leafSize, leafCount }, { deadlineMs: this.#c.timeoutMs })
      const verdict = verifyAnswer(t, nonce, t.challengeLeaves, answer, this.#c.chainId)
      round.verdict = verdict.ok ? 'pass' : 'fail'
      if (verdict.reason !== undefined) round.reason = verdict.reason
    } catch (err) {
      round.verdict = err instanceof AppError && err.code === 'PEER_REJECTED' ? 'fail' : 'missed'
      round.reason = (err as Error).message.slice(0, 2000)
    }
    await this.#record(record, round)
    return round
  }

  async #record (record: ContractRecord, round: ChallengeRound): Promise<void> {
    const id = record.terms.id
    const p = await this.#bucket.get(id) ?? { contractId: id, passes: 0, failures: 0, consecutiveFailures: 0 }
    if (round.verdict === 'pass') {
      p.passes++
      p.consecutiveFailures = 0
      p.lastProven = round.at
    } else {
      p.failures++
      p.consecutiveFailures++
      this.#c.logger.warn({ contract: id, host: record.terms.hostPeer, verdict: round.verdict, reason: round.reason, consecutive: p.consecutiveFailures }, 'storage proof failed')
    }
    p.last = round
    const from = p.periodStart ?? record.terms.start * 1000
    p.periodStart = Math.max(from, round.at)
    // the period this round closes, within the contract's term
    const period = { from: Math.max(from, record.terms.start * 1000), to: Math.min(round.at, contractEnd(record.terms) * 1000) }
    if (round.verdict === 'pass') p.provenMs = (p.provenMs ?? 0) + Math.max(0, period.to - period.from)
    await this.#bucket.put(id, p)
    this.#c.onRound?.(record, round, period)
    if (p.consecutiveFailures >= this.#c.maxFailures && record.state === 'stored') {
      const error = `${p.consecutiveFailures} consecutive challenges failed or missed: ${round.reason ?? ''}`.slice(0, 2000)
      await this.#c.lifecycle.markFailed('renter', id, error)
      this.#c.logger.warn({ contract: id, host: record.terms.hostPeer }, 'contract failed: the host did not prove it keeps the shard')
      // Its renewals with the same host go down with it: that host lost the shard.
      for (let next = record.renewedBy; next !== undefined;) {
        const renewal = await this.#c.contracts.get('renter', next)
        if (renewal === undefined) break
        if (renewal.state === 'stored' || renewal.state === 'signed') await this.#c.lifecycle.markFailed('renter', next, `the contract it renews failed: ${error}`.slice(0, 2000))
        next = renewal.renewedBy
      }
      this.#c.onFailed?.(record)
    }
  }
}
