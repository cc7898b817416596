/**
 * Reading a TRON transaction info into a TxStatus. A successful broadcast means nothing and a
 * mined transaction may have reverted: only `receipt.result` SUCCESS with the event the call
 * must emit, from the contract that must emit it, is `settled`. Everything here is the node's
 * word, so it is first checked against a schema (types, lengths, counts) and against what we
 * know ourselves: the info must be of the transaction asked about, a cash-out must pay this
 * wallet, a deployment must have created the address java-tron derives from the txID and this
 * wallet. A node that lies consistently about receipts is beyond any check here (see README).
 */
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import type { TxStatus } from './chain.js'
import { clip, createdContractAddress } from './tron-verify.js'
import type { TronWebModule } from '../wallet/wallet.js'

type Interface = InstanceType<TronWebModule['utils']['ethersUtils']['Interface']>

/** What a transaction of each kind must emit to be settled (a deployment shows none: its contract must exist). */
export const expectedEvents: Record<'cash' | 'deposit' | 'withdraw' | 'approve', string[]> = {
  cash: ['ChequeCashed'],
  deposit: ['Deposited'],
  withdraw: ['WithdrawalRequested', 'Withdrawn'],
  approve: ['Approval']
}

/** The kinds of transaction a status is asked for. */
export type TxKind = keyof typeof expectedEvents | 'deploy'

const hex = (maxBytes: number): ReturnType<typeof Type.String> => Type.String({ pattern: '^([0-9a-fA-F]{2})*$', maxLength: 2 * maxBytes })
const int = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })

/**
 * java-tron's TransactionInfo JSON, the fields read here, bounded: 64 KiB of return data, 1024
 * logs of 4 topics and 64 KiB of data each (far above what the vault and a TRC-20 emit).
 * Other fields may be present and are ignored.
 */
export const TransactionInfoSchema = Type.Object({
  id: Type.String({ pattern: '^(0x)?[0-9a-fA-F]{64}$' }),
  fee: Type.Optional(int),
  contract_address: Type.Optional(Type.String({ pattern: '^41[0-9a-fA-F]{40}$' })),
  contractResult: Type.Optional(Type.Array(hex(65_536), { maxItems: 16 })),
  receipt: Type.Optional(Type.Object({ result: Type.Optional(Type.String({ maxLength: 64 })) })),
  log: Type.Optional(Type.Array(Type.Object({
    address: Type.String({ pattern: '^[0-9a-fA-F]{40}$' }),
    topics: Type.Array(Type.String({ pattern: '^[0-9a-fA-F]{64}$' }), { maxItems: 4 }),
    data: Type.Optional(hex(65_536))
  }), { maxItems: 1024 })),
  result: Type.Optional(Type.String({ maxLength: 64 })),
  resMessage: Type.Optional(hex(4096))
})
export type TransactionInfo = Static<typeof TransactionInfoSchema>

/** What judging needs of the client: tronweb, the two ABIs, who we are and a way to ask for a contract's code. */
export interface ReceiptContext {
  tw: TronWebModule
  token: { address: string, iface: Interface }
  vaultIface: Interface
  /** Our own vault (deposit, withdraw); throws CONFIG_INVALID when there is none. */
  ownVault: () => string
  /** This wallet (base58): the owner of our transactions and the beneficiary of our cheques. */
  wallet: string
  fullHost: string
  logger?: Logger
  /** The runtime code at `address` (hex, '' for none), as the node tells it. */
  code: (address: string) => Promise<string>
}

/**
 * Judges the node's answer `info` for `txid`: pending (no info yet), settled with the expected
 * event (and for a cash-out `paid`, `bounced`), or failed with the reason. An info that is not
 * one (schema) is CHAIN_UNAVAILABLE; an info of another transaction is CHAIN_TX_MISMATCH,
 * logged at warn. Neither turns into a status, so a cash-out stays pending.
 */
export async function judgeInfo (c: ReceiptContext, txid: string, kind: TxKind, info: unknown): Promise<TxStatus> {
  if (info === undefined || info === null || (typeof info === 'object' && Object.keys(info).length === 0)) return { txid, state: 'pending' }
  if (!Value.Check(TransactionInfoSchema, info)) {
    const problem = [...Value.Errors(TransactionInfoSchema, info)][0]
    throw new AppError('CHAIN_UNAVAILABLE', `TRON node ${c.fullHost} answered no transaction info for ${txid} (${clip(`${problem?.instancePath ?? ''} ${problem?.message ?? ''}`)})`)
  }
  if (info.id.replace(/^0x/, '').toLowerCase() !== txid.replace(/^0x/, '').toLowerCase()) {
    c.logger?.warn({ txid, answered: info.id, fullHost: c.fullHost }, 'the TRON node answered the info of another transaction')
    throw new AppError('CHAIN_TX_MISMATCH', `TRON node ${c.fullHost} answered the info of ${info.id} for transaction ${txid}`, { details: { txid } })
  }
  const fee = String(info.fee ?? 0)
  const result = info.receipt?.result ?? 'DEFAULT'
  if (result !== 'SUCCESS') return { txid, state: 'failed', reason: failure(c.tw, result, info), fee }
  if (info.result === 'FAILED') return { txid, state: 'failed', reason: 'the info says both SUCCESS and FAILED', fee }
  if (kind === 'deploy') return await judgeDeploy(c, txid, info, fee)

  // Only the contract called may vouch for the call: the vault for cash (java-tron names it in
  // contract_address), our own vault for deposit/withdraw, the token for approve.
  const { TronWeb } = c.tw
  const called = info.contract_address === undefined ? undefined : TronWeb.address.fromHex(info.contract_address)
  const emitter = kind === 'approve' ? c.token.address : kind === 'cash' ? called : c.ownVault()
  const events = (info.log ?? []).flatMap(log => {
    const from = TronWeb.address.fromHex('41' + log.address) // a log address is the 20-byte form
    const iface = from === c.token.address ? c.token.iface : from === emitter ? c.vaultIface : undefined
    if (iface === undefined) return []
    try {
      const parsed = iface.parseLog({ topics: log.topics.map(t => '0x' + t), data: '0x' + (log.data ?? '') })
      return parsed === null ? [] : [{ from, name: parsed.name, args: parsed.args }]
    } catch {
      return []
    }
  })
  const wanted = events.find(e => e.from === emitter && expectedEvents[kind].includes(e.name))
  if (wanted === undefined) {
    return { txid, state: 'failed', reason: `SUCCESS without a ${expectedEvents[kind].join(' or ')} event from ${emitter ?? 'the contract called'}`, fee }
  }
  const status: TxStatus = { txid, state: 'settled', fee }
  if (kind === 'cash') {
    // A vault is whatever contract a renter names: believe its ChequeCashed only when it pays
    // this wallet (our cheques name it), together with the configured token's Transfer of the
    // same amount from it to this wallet.
    const paid = BigInt(wanted.args.paid as bigint)
    const beneficiary = base58(c.tw, wanted.args.beneficiary)
    if (beneficiary !== c.wallet) return { txid, state: 'failed', reason: `ChequeCashed pays ${beneficiary}, not this wallet ${c.wallet}`, fee }
    const moved = events.some(e => e.from === c.token.address && e.name === 'Transfer' && base58(c.tw, e.args.from) === emitter &&
      base58(c.tw, e.args.to) === beneficiary && BigInt(e.args.value as bigint) === paid)
    if (paid > 0n && !moved) {
      return { txid, state: 'failed', reason: `ChequeCashed claims ${paid} paid without the token's Transfer of it from ${String(emitter)} to ${beneficiary}`, fee }
    }
    status.paid = paid.toString()
    const bounced = events.find(e => e.name === 'ChequeBounced' && e.from === emitter)
    if (bounced !== undefined) status.bounced = String(bounced.args.unpaid)
  }
  return status
}

/**
 * A successful creation is settled when the info names the contract this wallet's creation
 * makes (java-tron derives it from the txID and the owner, so the node cannot pick another)
 * and it has code.
 */
async function judgeDeploy (c: ReceiptContext, txid: string, info: TransactionInfo, fee: string): Promise<TxStatus & { vault?: string }> {
  if (info.contract_address === undefined) return { txid, state: 'failed', reason: 'SUCCESS without the created contract_address', fee }
  const vault = createdContractAddress(c.tw, txid, c.wallet)
  const named = c.tw.TronWeb.address.fromHex(info.contract_address)
  if (named !== vault) {
    return { txid, state: 'failed', reason: `the info names contract ${named}, not ${vault}, which this wallet's creation in ${txid} makes: not this wallet's deployment`, fee }
  }
  if (await c.code(vault) === '') return { txid, state: 'failed', reason: `SUCCESS but no contract at ${vault}`, fee, vault }
  return { txid, state: 'settled', fee, vault }
}

/** The reason of a failed receipt: the revert's Error(string) or Panic, else the result and resMessage. */
function failure (tw: TronWebModule, result: string, info: TransactionInfo): string {
  const data = info.contractResult?.[0] ?? ''
  try {
    if (data.startsWith('08c379a0')) return clip(String(tw.utils.abi.decodeParams([], ['string'], '0x' + data.slice(8))[0]), 500)
    if (data.startsWith('4e487b71')) return clip(`Panic(0x${BigInt('0x' + data.slice(8)).toString(16).padStart(2, '0')})`, 80)
  } catch {}
  const message = info.resMessage === undefined ? '' : clip(tw.TronWeb.toUtf8(info.resMessage), 500)
  return message === '' || message === 'REVERT opcode executed' ? clip(result, 64) : `${clip(result, 64)}: ${message}`
}

/** A decoded ABI address (0x…) as TRON base58. */
function base58 (tw: TronWebModule, address: unknown): string {
  return tw.TronWeb.address.fromHex('41' + String(address).slice(2).toLowerCase())
}
