import type { Stream } from '@libp2p/interface'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractEnd } from '../contracts/terms.js'
import { challengeLogKey, type HostChallenge } from '../host/prover.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import { Channel, protocols } from '../network/framing.js'
import type { Network } from '../network/network.js'
import type { Bucket, Datastore } from '../store/index.js'
import { verifyTypedFast } from '../wallet/typed-verify.js'
import type { Wallet } from '../wallet/wallet.js'
import type { ChainClient, TxStatus } from './chain.js'
import { chequeTypedData, isAmount, periodAmount, type Cheque, type PaidPeriod } from './cheque.js'

/** What a host has received from one renter (bucket `receivables`, key = the renter's wallet address). */
export interface Receivable {
  renter: string
  vault: string
  /** The latest cheque accepted: the total it carries is what the host is owed in all. */
  cheque: Cheque
  /** Cumulative BTT base units received (the latest cheque's total, decimal). */
  received: string
  /** Base units already moved on chain by cash-outs (decimal). */
  cashed: string
  /** Unix ms of the latest accepted cheque. */
  lastChequeAt: number
  periods: number
  /** Cash-outs, newest last. */
  cashouts: Array<TxStatus & { cumulativePayout: string, at: number }>
}

/** Per contract: how far it is paid (bucket `host-paid`). */
export interface ContractPaid {
  paidUntil: number
  periods: number
  /** ms of proven storage paid. */
  provenMs: number
  /** BTT base units paid: earned(terms, provenMs). */
  amount: string
}

export class ChequeRejection extends Error {
  constructor (readonly code: 'BAD_CHEQUE' | 'WRONG_BENEFICIARY' | 'BAD_SIGNATURE' | 'NOT_INCREASING' | 'INCREMENT_MISMATCH', message: string) {
    super(message)
  }
}

export interface ReceiverComponents {
  network: Network
  wallet: Wallet
  contracts: ContractStore
  datastore: Datastore
  logger: Logger
  chainId: number
  chain: ChainClient
  /** ms after a challenge it answered within which a renter must have sent a cheque (settlement.grace). */
  graceMs: number
}

/** How far a period's end may be from the time the host logged the challenge that closes it. */
const roundSkewMs = 5 * 60_000

/**
 * The host's side of settlement, over /btfs-ts/cheque/1.0.0. A cheque is credited only when it
 * names this host's wallet, is signed by the renter of the contracts it pays (the vault's
 * issuer), carries a total strictly above the last one, and raises it by exactly what the
 * periods it lists earned under the signed terms — each period closed by a challenge this host
 * answered, none paid before. The latest cheque per renter, the contracts' paid-until marks and
 * the day's earnings are written in one LevelDB batch. A renter that sent nothing for longer than
 * the grace after a challenge was answered is overdue: no new contracts, no challenges, no reads.
 */
export class ChequeReceiver {
  readonly #c: ReceiverComponents
  readonly #receivables: Bucket<string, Receivable>
  readonly #paid: Bucket<string, ContractPaid>
  readonly #earnings: Bucket<string, string>
  readonly #challenges: Bucket<string, HostChallenge>
  /** The books are checked and written one change at a time. */
  #queue: Promise<unknown> = Promise.resolve()
  readonly #overdue = new Map<string, { value: boolean, until: number }>()
  readonly #renters = new Map<string, string>()
  readonly #issuers = new Map<string, string>()

  constructor (components: ReceiverComponents) {
    this.#c = components
    this.#receivables = components.datastore.bucket<string, Receivable>('receivables', 'utf8', 'json')
    this.#paid = components.datastore.bucket<string, ContractPaid>('host-paid', 'utf8', 'json')
    this.#earnings = components.datastore.bucket<string, string>('host-earnings', 'utf8', 'utf8')
    this.#challenges = components.datastore.bucket<string, HostChallenge>('host-challenges', 'utf8', 'json')
  }

  async start (): Promise<void> {
    await this.#c.network.libp2p.handle(protocols.cheque, (stream) => { this.#serve(stream) })
  }

  #serve (stream: Stream): void {
    const ch = new Channel(stream)
    void (async () => {
      const msg = await ch.receive<{ cheque?: Cheque, periods?: PaidPeriod[] }>({ signal: AbortSignal.timeout(30_000) })
      try {
        await this.receive(msg.cheque, msg.periods)
        await ch.send({ ok: true })
      } catch (err) {
        const code = err instanceof ChequeRejection ? err.code : 'INTERNAL'
        await ch.send({ ok: false, code, message: err instanceof ChequeRejection ? err.message : 'internal error' })
        if (!(err instanceof ChequeRejection)) this.#c.logger.error({ err: (err as Error).message }, 'cheque handling failed')
      }
    })().catch(() => {}).finally(() => { void ch.close() })
  }

  /** Checks and credits a cheque; throws ChequeRejection with the reason when it is refused. */
  async receive (cheque: unknown, periods: unknown): Promise<Receivable> {
    return await this.#serial(async () => await this.#receive(cheque, periods))
  }

  /** Runs `fn` after every write of the books queued before it (cheques and cash-outs). */
  async #serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn)
    this.#queue = run.catch(() => {})
    return await run
  }

  async #receive (chequeIn: unknown, periodsIn: unknown): Promise<Receivable> {
    const cheque = chequeIn as Cheque
    if (typeof cheque !== 'object' || cheque === null || typeof cheque.vault !== 'string' || typeof cheque.beneficiary !== 'string' ||
      !isAmount(cheque.cumulativePayout) || typeof cheque.signature !== 'string' || !Array.isArray(periodsIn) || periodsIn.length === 0 || periodsIn.length > 10_000) {
      throw new ChequeRejection('BAD_CHEQUE', 'expected {cheque: {vault, beneficiary, cumulativePayout, signature}, periods: [...]}')
    }
    if (cheque.beneficiary !== this.#c.wallet.address) throw new ChequeRejection('WRONG_BENEFICIARY', `the cheque pays ${cheque.beneficiary}, not this host`)
    const periods = periodsIn as PaidPeriod[]

    // The contracts it pays: this host's, all with one renter, who must have signed the cheque.
    const records = new Map<string, ContractRecord>()
    for (const p of periods) {
      if (typeof p?.contractId !== 'string' || typeof p.nonce !== 'string' || !Number.isSafeInteger(p.from) || !Number.isSafeInteger(p.to) || !isAmount(p.amount)) {
        throw new ChequeRejection('BAD_CHEQUE', 'a period is malformed')
      }
      if (!records.has(p.contractId)) {
        const record = await this.#c.contracts.get('host', p.contractId)
        if (record === undefined) throw new ChequeRejection('INCREMENT_MISMATCH', `no contract ${p.contractId} on this host`)
        records.set(p.contractId, record)
      }
    }
    const renters = new Set([...records.values()].map(r => r.terms.renter))
    if (renters.size !== 1) throw new ChequeRejection('BAD_CHEQUE', 'one cheque pays the contracts of one renter')
    const renter = [...renters][0] as string
    // On a chain the vault must be the renter's (its issuer signs); without one nothing can be
    // cashed, so the vault is taken as named (a renter without a chain names its own address).
    if (this.#c.chain.kind !== 'none' && await this.#issuerOf(cheque.vault) !== renter) {
      throw new ChequeRejection('BAD_CHEQUE', `vault ${cheque.vault} is not a vault of the renter ${renter}`)
    }
    if (!verifyTypedFast(chequeTypedData(cheque, this.#c.chainId), cheque.signature, renter)) {
      throw new ChequeRejection('BAD_SIGNATURE', "the cheque is not signed by the contracts' renter")
    }

    const before = await this.#receivables.get(renter)
    const last = BigInt(before?.received ?? '0')
    const total = BigInt(cheque.cumulativePayout)
    if (total <= last) throw new ChequeRejection('NOT_INCREASING', `the cheque's total ${total} is not above the last one's ${last} (replayed or lowered)`)
    if (before !== undefined && before.vault !== cheque.vault) throw new ChequeRejection('BAD_CHEQUE', `this renter pays from vault ${before.vault}`)

    // Every period: closed by a challenge this host answered, within the term, not paid before.
    const paid = new Map<string, ContractPaid>()
    let earned = 0n
    for (const p of [...periods].sort((a, b) => a.from - b.from)) {
      const record = records.get(p.contractId) as ContractRecord
      const t = record.terms
      const mark = paid.get(t.id) ?? await this.#paid.get(t.id) ?? { paidUntil: t.start * 1000, periods: 0, provenMs: 0, amount: '0' }
      if (p.from < mark.paidUntil || p.to <= p.from || p.to > contractEnd(t) * 1000) {
        throw new ChequeRejection('INCREMENT_MISMATCH', `period ${p.from}–${p.to} of ${t.id} overlaps a paid one or lies outside the contract`)
      }
      if (!await this.#answered(t.id, p.nonce, p.to)) {
        throw new ChequeRejection('INCREMENT_MISMATCH', `no challenge ${p.nonce} of ${t.id} was answered near ${new Date(p.to).toISOString()}`)
      }
      const amount = periodAmount(t, mark.provenMs, p.to - p.from)
      if (amount.toString() !== p.amount) throw new ChequeRejection('INCREMENT_MISMATCH', `period ${p.nonce} earns ${amount}, not ${p.amount}`)
      earned += amount
      paid.set(t.id, { paidUntil: p.to, periods: mark.periods + 1, provenMs: mark.provenMs + (p.to - p.from), amount: (BigInt(mark.amount) + amount).toString() })
    }
    if (total - last !== earned) {
      throw new ChequeRejection('INCREMENT_MISMATCH', `the cheque raises the total by ${total - last}, the periods it pays earned ${earned}`)
    }

    const now = Date.now()
    const day = new Date(now).toISOString().slice(0, 10)
    const today = BigInt(await this.#earnings.get(day).catch(() => undefined) ?? '0')
    const next: Receivable = {
      renter,
      vault: cheque.vault,
      cheque: { vault: cheque.vault, beneficiary: cheque.beneficiary, cumulativePayout: cheque.cumulativePayout, signature: cheque.signature },
      received: total.toString(),
      cashed: before?.cashed ?? '0',
      lastChequeAt: now,
      periods: (before?.periods ?? 0) + periods.length,
      cashouts: before?.cashouts ?? []
    }
    await this.#c.datastore.batch([
      { type: 'put', sublevel: this.#receivables, key: renter, value: next },
      ...[...paid].map(([id, value]) => ({ type: 'put' as const, sublevel: this.#paid, key: id, value })),
      { type: 'put', sublevel: this.#earnings, key: day, value: (today + earned).toString() }
    ], true)
    this.#overdue.delete(renter)
    this.#c.logger.info({ renter, increment: earned.toString(), total: next.received, periods: periods.length }, 'cheque accepted')
    return next
  }

  async #issuerOf (vault: string): Promise<string | undefined> {
    let issuer = this.#issuers.get(vault)
    if (issuer === undefined) {
      issuer = await this.#c.chain.vaultIssuer(vault)
      if (issuer !== undefined) this.#issuers.set(vault, issuer) // a vault's issuer never changes
    }
    return issuer
  }

  /** True when the challenge log holds an answered challenge `nonce` of `contractId` near `at`. */
  async #answered (contractId: string, nonce: string, at: number): Promise<boolean> {
    for await (const c of this.#challenges.values({ gte: challengeLogKey(at - roundSkewMs), lt: challengeLogKey(at + roundSkewMs + 1) })) {
      if (c.contractId === contractId && c.nonce === nonce && c.answered) return true
    }
    return false
  }

  async list (): Promise<Receivable[]> {
    const out: Receivable[] = []
    for await (const r of this.#receivables.values()) out.push(r)
    return out
  }

  async get (renter: string): Promise<Receivable | undefined> {
    return await this.#receivables.get(renter)
  }

  /** How far each contract is paid, by contract id. */
  async contracts (): Promise<Array<ContractPaid & { contractId: string }>> {
    const out: Array<ContractPaid & { contractId: string }> = []
    for await (const [contractId, paid] of this.#paid.iterator()) out.push({ contractId, ...paid })
    return out
  }

  /** BTT received per day (the increments of the cheques accepted that day), oldest first. */
  async earnings (): Promise<Array<{ day: string, amount: string }>> {
    const out: Array<{ day: string, amount: string }> = []
    for await (const [day, amount] of this.#earnings.iterator()) out.push({ day, amount })
    return out
  }

  /**
   * True when a renter (by wallet address, or by the peer it contracted from) is overdue: a
   * challenge of one of its contracts was answered more than the grace ago and no cheque came
   * after it. Such a renter gets no new contracts, and its challenges and reads are refused until
   * it pays. Answers are kept for a few seconds: this runs on every challenge and read.
   */
  async overdue (who: { address?: string, peer?: string }): Promise<boolean> {
    const renter = who.address ?? (who.peer !== undefined ? await this.#renterOf(who.peer) : undefined)
    if (renter === undefined) return false
    const cached = this.#overdue.get(renter)
    if (cached !== undefined && cached.until > Date.now()) return cached.value
    const value = await this.#isOverdue(renter)
    this.#overdue.set(renter, { value, until: Date.now() + 2000 })
    return value
  }

  async #renterOf (peer: string): Promise<string | undefined> {
    if (!this.#renters.has(peer)) {
      for await (const record of this.#c.contracts.list('host')) {
        if (record.terms.renterPeer === peer) { this.#renters.set(peer, record.terms.renter); break }
      }
    }
    return this.#renters.get(peer)
  }

  async #isOverdue (renter: string): Promise<boolean> {
    const since = (await this.#receivables.get(renter))?.lastChequeAt ?? 0
    const until = Date.now() - this.#c.graceMs
    if (until <= since) return false
    for await (const c of this.#challenges.values({ gt: challengeLogKey(since), lt: challengeLogKey(until) })) {
      if (!c.answered) continue
      const record = await this.#c.contracts.get('host', c.contractId)
      if (record?.terms.renter === renter) return true
    }
    return false
  }

  /**
   * Cashes the latest cheque of `renter` on chain (what the vault has not paid yet) and records
   * the cash-out; without a chain this is NO_CHAIN.
   */
  async cash (renter: string): Promise<Receivable['cashouts'][number]> {
    const r = await this.#receivables.get(renter)
    if (r === undefined) throw new AppError('NOT_FOUND', `no cheque from ${renter}`)
    const status = await this.#c.chain.cash(r.cheque)
    const entry = { ...status, cumulativePayout: r.cheque.cumulativePayout, at: Date.now() }
    await this.#record(renter, entry)
    return entry
  }

  /** Re-reads pending cash-outs; settled ones count as cashed. */
  async refresh (): Promise<void> {
    for (const r of await this.list()) {
      for (const c of r.cashouts) {
        if (c.state !== 'pending') continue
        const status = await this.#c.chain.status(c.txid, 'cash')
        if (status.state !== 'pending') await this.#record(r.renter, { ...c, ...status })
      }
    }
  }

  async #record (renter: string, entry: Receivable['cashouts'][number]): Promise<void> {
    await this.#serial(async () => {
      const r = await this.#receivables.get(renter)
      if (r === undefined) return
      const at = r.cashouts.findIndex(c => c.txid === entry.txid)
      if (at >= 0) r.cashouts[at] = entry
      else r.cashouts.push(entry)
      r.cashed = r.cashouts.filter(c => c.state === 'settled').reduce((sum, c) => sum + BigInt(c.paid ?? '0'), 0n).toString()
      await this.#receivables.put(renter, r)
    })
  }
}
