import Type, { type Static } from 'typebox'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractEnd } from '../contracts/terms.js'
import { AppError } from '../errors/index.js'
import type { HostBook } from '../host/book.js'
import type { HostRounds } from '../host/rounds.js'
import type { Logger } from '../logger.js'
import { RemoteRefusal } from '../network/errors.js'
import type { Network } from '../network/interface.js'
import { ChequeSchema, handleCheque, type ChequeValue, type PeriodValue } from '../network/protocols/cheque.js'
import type { BatchOp, Datastore, Table } from '../store/index.js'
import { TronAddress, Uint, Uint256 } from '../validation/types.js'
import { verifyTypedFast } from '../wallet/typed-verify.js'
import type { Wallet } from '../wallet/wallet.js'
import type { ChainClient, TxStatus } from './chain.js'
import { chequeTypedData, periodAmount } from './cheque.js'

const CashoutSchema = Type.Object({
  txid: Type.String({ maxLength: 128 }),
  state: Type.Union([Type.Literal('pending'), Type.Literal('settled'), Type.Literal('failed')]),
  reason: Type.Optional(Type.String({ maxLength: 2048 })),
  paid: Type.Optional(Uint256()),
  bounced: Type.Optional(Uint256()),
  fee: Type.Optional(Type.String({ maxLength: 40 })),
  cumulativePayout: Uint256(),
  at: Uint()
})

/** What a host has received from one renter (bucket `receivables`, key = the renter's wallet address). */
export const ReceivableSchema = Type.Object({
  renter: TronAddress(),
  vault: TronAddress(),
  /** The latest cheque accepted: the total it carries is what the host is owed in all. */
  cheque: ChequeSchema,
  /** Cumulative BTT base units received (the latest cheque's total, decimal). */
  received: Uint256(),
  /** Base units already moved on chain by cash-outs (decimal). */
  cashed: Uint256(),
  /** Unix ms of the latest accepted cheque. */
  lastChequeAt: Uint(),
  /** Periods listed in accepted cheques, paid or not. */
  periods: Uint(),
  /** Rounds this host answered that the renter declared failed or missed (it paid nothing for them). */
  disputed: Type.Optional(Uint()),
  /** Missed rounds the renter declared that never reached this host. */
  claimedMissed: Type.Optional(Uint()),
  /** Cash-outs, newest last. */
  cashouts: Type.Array(CashoutSchema)
})

export type Receivable = Static<typeof ReceivableSchema>

/** Per contract: how far its term is covered by accepted cheques (bucket `host-paid`). */
export const ContractPaidSchema = Type.Object({
  /** Unix ms up to which the term is covered by listed periods (paid, or declared failed/missed). */
  paidUntil: Uint(),
  periods: Uint(),
  /** ms of proven storage paid. */
  provenMs: Uint(),
  /** BTT base units paid: earned(terms, provenMs). */
  amount: Uint256()
})

export type ContractPaid = Static<typeof ContractPaidSchema>

/** Why a cheque is refused: the code in the error reply. */
export type ChequeRefusal = 'BAD_CHEQUE' | 'WRONG_BENEFICIARY' | 'BAD_SIGNATURE' | 'NOT_INCREASING' | 'INCREMENT_MISMATCH' | 'NOT_CONTIGUOUS'

export class ChequeRejection extends RemoteRefusal {
  constructor (readonly code: ChequeRefusal, message: string) {
    super(code, message)
  }
}

export interface ReceiverComponents {
  network: Network
  wallet: Wallet
  contracts: ContractStore
  book: HostBook
  rounds: HostRounds
  datastore: Datastore
  logger: Logger
  chainId: number
  chain: ChainClient
  /** ms after a challenge it answered within which a renter must have covered it with a cheque (settlement.grace). */
  graceMs: number
}

/**
 * The host's side of settlement, over /btfs-ts/cheque/1.0.0. A cheque is credited only when it
 * names this host's wallet, is signed by the renter of the contracts it pays (the vault's
 * issuer), carries a total at least the last one's, and lists, per contract, periods that cover
 * the term without a gap from where the last cheque left it: each period ends at a round the
 * renter sent (its `at`), a passed one is paid exactly what it earned under the signed terms and
 * must be a round this host answered, and no answered round may fall inside a period. So a renter
 * cannot pay one second of a proven hour: it can only declare a round failed or missed, and when
 * this host answered that round the declaration is booked as a dispute. The latest cheque, the
 * contracts' covered-until marks, the day's earnings and the deletion of the covered rounds go in
 * one LevelDB batch. A renter with an answered round left uncovered longer than the grace is
 * overdue: no new contracts, no challenges, no reads.
 */
export class ChequeReceiver {
  readonly #c: ReceiverComponents
  readonly #receivables: Table<typeof ReceivableSchema>
  readonly #paid: Table<typeof ContractPaidSchema>
  readonly #earnings: Table<ReturnType<typeof Uint256>>
  /** The books are checked and written one change at a time. */
  #queue: Promise<unknown> = Promise.resolve()
  readonly #overdue = new Map<string, { value: boolean, until: number }>()
  readonly #issuers = new Map<string, string>()

  constructor (components: ReceiverComponents) {
    this.#c = components
    this.#receivables = components.datastore.table('receivables', ReceivableSchema)
    this.#paid = components.datastore.table('host-paid', ContractPaidSchema)
    this.#earnings = components.datastore.table('host-earnings', Uint256())
  }

  async start (): Promise<void> {
    await handleCheque(this.#c.network, async message => { await this.receive(message.cheque, message.periods) })
  }

  /** Waits for the books being written (a cheque or a cash-out under way) before the datastore closes. */
  async stop (): Promise<void> {
    await this.#queue.catch(() => {})
  }

  /** Checks and credits a cheque; throws ChequeRejection with the reason when it is refused. */
  async receive (cheque: ChequeValue, periods: PeriodValue[]): Promise<Receivable> {
    return await this.#serial(async () => await this.#receive(cheque, periods))
  }

  /** Runs `fn` after every write of the books queued before it (cheques and cash-outs). */
  async #serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn)
    this.#queue = run.catch(() => {})
    return await run
  }

  async #receive (cheque: ChequeValue, periods: PeriodValue[]): Promise<Receivable> {
    if (cheque.beneficiary !== this.#c.wallet.address) throw new ChequeRejection('WRONG_BENEFICIARY', `the cheque pays ${cheque.beneficiary}, not this host`)

    // The contracts it pays: this host's, all with one renter, who must have signed the cheque.
    const records = new Map<string, ContractRecord>()
    for (const p of periods) {
      if (records.has(p.contractId)) continue
      const record = await this.#c.contracts.get('host', p.contractId)
      if (record === undefined) throw new ChequeRejection('INCREMENT_MISMATCH', `no contract ${p.contractId} on this host`)
      records.set(p.contractId, record)
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
    if (total < last) throw new ChequeRejection('NOT_INCREASING', `the cheque's total ${total} is below the last one's ${last} (replayed or lowered)`)
    if (before !== undefined && before.vault !== cheque.vault) throw new ChequeRejection('BAD_CHEQUE', `this renter pays from vault ${before.vault}`)

    const ops: BatchOp[] = []
    const marks = new Map<string, ContractPaid>()
    let earned = 0n
    let disputed = 0
    let claimedMissed = 0
    const byContract = new Map<string, PeriodValue[]>()
    for (const p of periods) byContract.set(p.contractId, [...byContract.get(p.contractId) ?? [], p])
    for (const [id, list] of byContract) {
      const t = (records.get(id) as ContractRecord).terms
      const mark = await this.#paid.get(id) ?? { paidUntil: t.start * 1000, periods: 0, provenMs: 0, amount: '0' }
      const from = mark.paidUntil
      let cursor = from
      let provenMs = mark.provenMs
      let amount = BigInt(mark.amount)
      const answered = (await this.#c.rounds.between(id, from, contractEnd(t) * 1000)).filter(r => r.answered)
      for (const p of list.sort((a, b) => a.from - b.from)) {
        if (p.from < cursor && total <= last) throw new ChequeRejection('NOT_INCREASING', `the cheque's total ${total} is not above the last one's and its periods are paid already (replayed)`)
        if (p.from !== cursor) throw new ChequeRejection('NOT_CONTIGUOUS', `period ${p.from}–${p.to} of ${id} does not start where the covered term ends (${cursor})`)
        if (p.to <= p.from || p.to > contractEnd(t) * 1000) throw new ChequeRejection('INCREMENT_MISMATCH', `period ${p.from}–${p.to} of ${id} is empty or outside the contract`)
        const inside = answered.find(r => r.at > p.from && r.at < p.to)
        if (inside !== undefined) throw new ChequeRejection('NOT_CONTIGUOUS', `period ${p.from}–${p.to} of ${id} spans the round ${inside.nonce} this host answered at ${inside.at}`)
        const round = await this.#c.rounds.find(id, p.to, p.nonce)
        if (p.verdict === 'pass') {
          if (round?.answered !== true) throw new ChequeRejection('INCREMENT_MISMATCH', `no challenge ${p.nonce} of ${id} at ${p.to} was answered by this host`)
          const due = periodAmount(t, provenMs, p.to - p.from)
          if (due.toString() !== p.amount) throw new ChequeRejection('INCREMENT_MISMATCH', `period ${p.nonce} earns ${due}, not ${p.amount}`)
          earned += due
          amount += due
          provenMs += p.to - p.from
        } else {
          if (p.amount !== '0') throw new ChequeRejection('INCREMENT_MISMATCH', `a ${p.verdict} period pays nothing, not ${p.amount}`)
          if (round?.answered === true) disputed++
          else if (round === undefined && p.verdict === 'missed') claimedMissed++
        }
        cursor = p.to
      }
      marks.set(id, { paidUntil: cursor, periods: mark.periods + list.length, provenMs, amount: amount.toString() })
      ops.push(this.#paid.putOp(id, marks.get(id) as ContractPaid), ...await this.#c.rounds.pruneOps(id, cursor))
    }
    if (total - last !== earned) {
      throw new ChequeRejection('INCREMENT_MISMATCH', `the cheque raises the total by ${total - last}, the periods it lists earned ${earned}`)
    }

    const now = Date.now()
    const day = new Date(now).toISOString().slice(0, 10)
    const today = BigInt(await this.#earnings.get(day) ?? '0')
    const next: Receivable = {
      renter,
      vault: cheque.vault,
      cheque: { vault: cheque.vault, beneficiary: cheque.beneficiary, cumulativePayout: cheque.cumulativePayout, signature: cheque.signature },
      received: total.toString(),
      cashed: before?.cashed ?? '0',
      lastChequeAt: now,
      periods: (before?.periods ?? 0) + periods.length,
      disputed: (before?.disputed ?? 0) + disputed,
      claimedMissed: (before?.claimedMissed ?? 0) + claimedMissed,
      cashouts: before?.cashouts ?? []
    }
    await this.#c.datastore.batch([this.#receivables.putOp(renter, next), ...ops, this.#earnings.putOp(day, (today + earned).toString())], true)
    this.#overdue.delete(renter)
    if (disputed > 0) this.#c.logger.warn({ renter, disputed }, 'the renter declared rounds this host answered failed or missed: booked as disputes, unpaid')
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

  async list (): Promise<Receivable[]> {
    const out: Receivable[] = []
    for await (const r of this.#receivables.values()) out.push(r)
    return out
  }

  async get (renter: string): Promise<Receivable | undefined> {
    return await this.#receivables.get(renter)
  }

  /** How far each contract is covered and paid, by contract id. */
  async contracts (): Promise<Array<ContractPaid & { contractId: string }>> {
    const out: Array<ContractPaid & { contractId: string }> = []
    for await (const [contractId, paid] of this.#paid.entries()) out.push({ contractId, ...paid })
    return out
  }

  /** BTT received per day (the increments of the cheques accepted that day), oldest first. */
  async earnings (): Promise<Array<{ day: string, amount: string }>> {
    const out: Array<{ day: string, amount: string }> = []
    for await (const [day, amount] of this.#earnings.entries()) out.push({ day, amount })
    return out
  }

  /**
   * True when a renter (by wallet address, or by the peer it contracted from) is overdue: a round
   * of one of its contracts that this host answered more than the grace ago is not yet covered by
   * an accepted cheque. Such a renter gets no new contracts, and its challenges and reads are
   * refused until it pays. Answers are kept for a few seconds: this runs on every challenge and read.
   */
  async overdue (who: { address?: string, peer?: string }): Promise<boolean> {
    const renter = who.address ?? (who.peer !== undefined ? this.#c.book.renterOf(who.peer) : undefined)
    if (renter === undefined) return false
    const cached = this.#overdue.get(renter)
    if (cached !== undefined && cached.until > Date.now()) return cached.value
    const value = await this.#isOverdue(renter)
    this.#overdue.set(renter, { value, until: Date.now() + 2000 })
    if (this.#overdue.size > 10_000) this.#overdue.delete(this.#overdue.keys().next().value as string)
    return value
  }

  async #isOverdue (renter: string): Promise<boolean> {
    const due = Date.now() - this.#c.graceMs
    for (const entry of this.#c.book.ofRenter(renter)) {
      const covered = (await this.#paid.get(entry.id))?.paidUntil ?? entry.start * 1000
      for (const round of await this.#c.rounds.between(entry.id, covered, Number.MAX_SAFE_INTEGER)) {
        if (round.answered && round.received <= due) return true
      }
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

  async #record (renter: string, entry: TxStatus & { cumulativePayout: string, at: number }): Promise<void> {
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
