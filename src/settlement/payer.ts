import Type, { type Static } from 'typebox'
import type { ContractRecord } from '../contracts/store.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import type { Network } from '../network/interface.js'
import { ChequeSchema, maxPeriodsPerCheque, PeriodSchema, sendCheque, type ChequeValue } from '../network/protocols/cheque.js'
import type { Datastore, Table } from '../store/index.js'
import type { ChallengeRound } from '../renter/proofs.js'
import { PeerIdString, Text, TronAddress, Uint, Uint256 } from '../validation/types.js'
import type { Wallet } from '../wallet/wallet.js'
import { chequeTypedData, periodAmount, type PaidPeriod } from './cheque.js'

/**
 * What a renter owes one host (bucket `payables`, key = the host's wallet address). `issued` is
 * the cumulative total of the latest cheque signed; it only grows, and is written before the
 * cheque is sent, so a crash can never make the renter sign a lower total again.
 */
export const PayableSchema = Type.Object({
  beneficiary: TronAddress(),
  hostPeer: PeerIdString(),
  vault: TronAddress(),
  /** Cumulative BTT base units of the latest cheque signed (decimal). */
  issued: Uint256(),
  /** Cumulative total the host acknowledged (decimal). */
  acknowledged: Uint256(),
  /** The latest cheque signed, and the periods it covers beyond the one before. */
  last: Type.Optional(Type.Object({ cheque: ChequeSchema, periods: Type.Array(PeriodSchema), at: Uint(), delivered: Type.Boolean(), rejected: Type.Optional(Text(2048)) })),
  /** Periods closed since the latest cheque (passed ones owed, failed and missed ones listed at 0), waiting for the next one. */
  owed: Type.Array(PeriodSchema),
  /** Periods paid so far (count). */
  periodsPaid: Uint(),
  /** Per contract: ms of proven storage put in cheques so far (what the next period's amount builds on). */
  proven: Type.Record(Type.String(), Uint()),
  updated: Uint()
})

export type Payable = Static<typeof PayableSchema>

export interface PayerComponents {
  network: Network
  wallet: Wallet
  datastore: Datastore
  logger: Logger
  chainId: number
  /** The vault cheques are drawn on: the configured vault contract, or the renter's own address without a chain. */
  vault: string
  timeoutMs?: number
}

/**
 * The renter's side of settlement: after each challenge round a host passed, the period that
 * round proves (from the round before, or the contract's start, to this one) is owed; the payer
 * signs a cumulative cheque for everything owed to that host and sends it over
 * /btfs-ts/cheque/1.0.0 with the periods it pays, so the host can check the increment against
 * its own record of the challenges it answered. A failed or missed round earns nothing.
 * Undelivered cheques are sent again with the next round.
 */
export class Payer {
  readonly #c: PayerComponents
  /** The vault this renter's cheques draw on. */
  readonly vault: string
  readonly #bucket: Table<typeof PayableSchema>
  /** One chain of work per host wallet: cheques to one host are signed and sent in order. */
  readonly #queues = new Map<string, Promise<void>>()
  readonly #abort = new AbortController()
  #retry?: NodeJS.Timeout

  constructor (components: PayerComponents) {
    this.#c = components
    this.vault = components.vault
    this.#bucket = components.datastore.table('payables', PayableSchema)
  }

  /**
   * A round of `record` was recorded, closing `period` (unix ms, within the contract's term): a
   * passed round's period is owed, a failed or missed one is listed at 0 so that the periods the
   * host sees cover the term without a gap.
   */
  onRound (record: ContractRecord, round: ChallengeRound, { from, to }: { from: number, to: number }): void {
    if (to <= from) return
    const t = record.terms
    this.#enqueue(t.host, async () => {
      const p = await this.#load(record)
      const before = p.proven[t.id] ?? 0
      const passed = round.verdict === 'pass'
      if (passed) p.proven[t.id] = before + (to - from)
      p.owed.push({ contractId: t.id, nonce: round.nonce, from, to, verdict: round.verdict, amount: passed ? periodAmount(t, before, to - from).toString() : '0' })
      p.updated = Date.now()
      await this.#bucket.put(t.host, p)
      await this.#pay(p)
    })
  }

  /**
   * Sends what is undelivered now and then every `retryMs`: a cheque a host could not take (it
   * was down, or refused it) is offered again even when no round passes meanwhile.
   */
  start (retryMs = 30_000): void {
    void this.resend()
    this.#retry = setInterval(() => { void this.resend() }, retryMs)
    this.#retry.unref()
  }

  /** Sends any cheque not yet delivered (after a restart, say). */
  async resend (): Promise<void> {
    for await (const p of this.#bucket.values()) {
      if (p.owed.length > 0 || p.last?.delivered === false) this.#enqueue(p.beneficiary, async () => { await this.#pay(await this.#bucket.get(p.beneficiary) ?? p) })
    }
  }

  async list (): Promise<Payable[]> {
    const out: Payable[] = []
    for await (const p of this.#bucket.values()) out.push(p)
    return out
  }

  /** Waits for the cheques under way (tests). */
  async idle (): Promise<void> {
    await Promise.all([...this.#queues.values()])
  }

  /** Abandons deliveries under way (they are sent again after a restart) and waits for the queues. */
  async stop (): Promise<void> {
    clearInterval(this.#retry)
    this.#abort.abort()
    await this.idle()
  }

  #enqueue (key: string, job: () => Promise<void>): void {
    if (this.#abort.signal.aborted) return
    const next = (this.#queues.get(key) ?? Promise.resolve()).then(job).catch((err: Error) => {
      this.#c.logger.warn({ host: key, err: err.message }, 'cheque not delivered; it is sent again with the next round')
    })
    this.#queues.set(key, next)
    void next.finally(() => { if (this.#queues.get(key) === next) this.#queues.delete(key) })
  }

  async #load (record: ContractRecord): Promise<Payable> {
    return await this.#bucket.get(record.terms.host) ?? {
      beneficiary: record.terms.host,
      hostPeer: record.terms.hostPeer,
      vault: this.#c.vault,
      issued: '0',
      acknowledged: '0',
      owed: [],
      periodsPaid: 0,
      proven: {},
      updated: Date.now()
    }
  }

  /**
   * Signs a new cheque for what is owed (if anything: at most `maxPeriodsPerCheque` periods, the
   * rest go in the next one) and delivers the latest cheque.
   */
  async #pay (p: Payable): Promise<void> {
    if (p.owed.length > 0 && (p.last === undefined || p.last.delivered)) {
      const periods = p.owed.slice(0, maxPeriodsPerCheque)
      const increment = periods.reduce((sum, period) => sum + BigInt(period.amount), 0n)
      const cumulativePayout = (BigInt(p.issued) + increment).toString()
      const unsigned = { vault: p.vault, beneficiary: p.beneficiary, cumulativePayout }
      const signature = await this.#c.wallet.signTyped(chequeTypedData(unsigned, this.#c.chainId))
      p.last = { cheque: { ...unsigned, signature }, periods, at: Date.now(), delivered: false }
      p.issued = cumulativePayout
      p.owed = p.owed.slice(periods.length)
      p.updated = Date.now()
      await this.#bucket.put(p.beneficiary, p) // before sending: the total never goes back
    }
    if (p.last === undefined || p.last.delivered) return
    const reply = await this.#send(p.hostPeer, p.last.cheque, p.last.periods)
    if (reply.ok) {
      p.last.delivered = true
      delete p.last.rejected
      p.acknowledged = p.last.cheque.cumulativePayout
      p.periodsPaid += p.last.periods.length
    } else {
      // The host refused it: keep it (it stays owed and is offered again) and say why.
      p.last.rejected = `${reply.code ?? 'error'}: ${reply.message ?? ''}`
      this.#c.logger.warn({ host: p.hostPeer, reason: p.last.rejected }, 'the host rejected a cheque')
    }
    p.updated = Date.now()
    await this.#bucket.put(p.beneficiary, p)
    // owed periods that came in while this cheque was out go in the next one
    if (p.last.delivered && p.owed.length > 0) await this.#pay(p)
  }

  async #send (hostPeer: string, cheque: ChequeValue, periods: PaidPeriod[]): Promise<{ ok: boolean, code?: string, message?: string }> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.#c.timeoutMs ?? 30_000), this.#abort.signal])
    try {
      await sendCheque(this.#c.network, hostPeer, cheque, periods, { signal })
      return { ok: true }
    } catch (err) {
      // The host refused it: the reason goes in the books. Anything else (unreachable, broken
      // stream) means not delivered: it is offered again later.
      if (err instanceof AppError && err.code === 'PEER_REJECTED') return { ok: false, code: String(err.details?.code ?? 'REJECTED'), message: err.message }
      throw new AppError('PEER_REJECTED', `cheque not delivered: ${(err as Error).message}`)
    }
  }
}
