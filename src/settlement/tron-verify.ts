/**
 * What a TRON node hands back to be signed is checked against what this node asked for, field
 * by field, before the wallet signs anything. The wallet signs the txID, and java-tron accepts a
 * signature only over sha256 of the protobuf `raw_data`: so the bytes that matter are
 * `raw_data_hex`, never the JSON view. They are decoded (tronweb's own protobuf definitions,
 * `utils.deserializeTx`), compared with the call we encoded, and finally re-encoded from our
 * own intent plus the header the node chose: any byte the fields checked do not explain (a
 * second contract, a memo, a permission id, a field unknown to us, another ABI) is refused.
 *
 * The node chooses only the header: the reference block (TaPoS) and the expiration and
 * timestamp. A reference block can only make the transaction invalid (the node can refuse
 * service anyway); the expiration is how long a signed transaction stays valid, i.e. how long a
 * node that withholds it may hold it before broadcasting it: it is bounded.
 */
import type { TronWebModule } from '../wallet/wallet.js'

/** Bounds on the header fields a node chooses (see the module comment for why each exists). */
export const transactionBounds = {
  /**
   * Latest expiration accepted, after this machine's clock. java-tron builds head block time +
   * 60 s and accepts up to 24 h; 10 min leaves room for clock skew and a lagging node while a
   * withheld transaction dies within minutes instead of a day.
   */
  maxExpirationAheadMs: 10 * 60_000,
  /** Largest raw_data accepted: java-tron's own cap on a transaction (500 KiB). */
  maxRawBytes: 500 * 1024
} as const

/** A TriggerSmartContract we asked the node to build: a plain call, no TRX or TRC-10 attached. */
export interface ExpectedTrigger {
  type: 'TriggerSmartContract'
  /** The function's name, for messages. */
  call: string
  /** Our wallet and the contract called, base58. */
  owner: string
  contract: string
  /** selector ‖ ABI-encoded arguments, hex. */
  data: string
  /** Names of the arguments, for messages naming the head word that differs. */
  argNames: readonly string[]
  /** sun */
  feeLimit: number
}

/** A CreateSmartContract of ours (the vault): bytecode = init code ‖ constructor arguments. */
export interface ExpectedCreation {
  type: 'CreateSmartContract'
  call: string
  owner: string
  bytecode: string
  abi: readonly unknown[]
  name: string
  feeLimit: number
  originEnergyLimit: number
  consumeUserResourcePercent: number
}

export type ExpectedTransaction = ExpectedTrigger | ExpectedCreation

/** An unsigned transaction as java-tron prints it (and tronweb builds it). */
export interface UnsignedTransaction {
  txID: string
  raw_data: unknown
  raw_data_hex: string
  visible?: boolean
}

/** Why a built transaction was refused: `field` is the first one that differs from the request. */
export class TransactionMismatch extends Error {
  static override name = 'TransactionMismatch'
  readonly field: string

  constructor (field: string, message: string) {
    super(message)
    this.name = 'TransactionMismatch'
    this.field = field
  }
}

/**
 * Returns `tx` (only its txID, raw_data, raw_data_hex and visible) when its bytes are exactly
 * the `expected` call with a header inside `transactionBounds` at `now` (ms); throws a
 * TransactionMismatch naming the first field that differs otherwise. Never signs, never does I/O.
 */
export function verifyTransaction (tw: TronWebModule, tx: unknown, expected: ExpectedTransaction, now: number): UnsignedTransaction {
  const built = shape(tx)
  const hex = built.raw_data_hex.toLowerCase()
  const txid = tw.utils.ethersUtils.sha256(Buffer.from(hex, 'hex')).slice(2)
  if (txid !== built.txID.toLowerCase()) throw new TransactionMismatch('txID', `its txID ${built.txID} is not sha256 of its raw_data_hex (${txid})`)

  let decoded: DecodedRaw
  try {
    decoded = tw.utils.deserializeTx.deserializeTransaction(expected.type, hex) as DecodedRaw
  } catch (err) {
    throw new TransactionMismatch('contract', `raw_data_hex is not one ${expected.type} (${clip(String((err as Error).message))})`)
  }
  const contract = decoded.contract[0] as DecodedRaw['contract'][number]
  const owner = tw.TronWeb.address.toHex(expected.owner).toLowerCase()
  checkHeader(decoded, contract, expected, now)
  if (expected.type === 'TriggerSmartContract') checkTrigger(tw, contract.parameter.value as DecodedTrigger, expected, owner)
  else checkCreation(contract.parameter.value as DecodedCreate, expected, owner)

  // Everything the checks above did not look at must be absent: our intent plus the node's
  // header, re-encoded, must give the very bytes that will be signed.
  const canonical = {
    visible: false,
    txID: '',
    raw_data_hex: '',
    raw_data: {
      contract: [{ parameter: { value: intent(tw, expected, owner), type_url: TYPE_URL + expected.type }, type: expected.type }],
      ref_block_bytes: decoded.ref_block_bytes.toLowerCase(),
      ref_block_hash: decoded.ref_block_hash.toLowerCase(),
      expiration: decoded.expiration,
      timestamp: decoded.timestamp,
      fee_limit: expected.feeLimit
    }
  }
  if (tw.utils.transaction.txPbToRawDataHex(tw.utils.transaction.txJsonToPb(canonical)).toLowerCase() !== hex) {
    throw new TransactionMismatch('raw_data', 'raw_data_hex carries more than the call asked for (another contract, a memo, a permission, an unknown field or another ABI)')
  }
  // The JSON view is what java-tron parses at broadcast: it must be these bytes too.
  let consistent = false
  try {
    consistent = tw.utils.transaction.txCheck(built)
  } catch {}
  if (!consistent) throw new TransactionMismatch('raw_data', 'its JSON raw_data is not the transaction of its raw_data_hex')
  return { txID: built.txID, raw_data: built.raw_data, raw_data_hex: built.raw_data_hex, visible: built.visible === true }
}

/** The base58 address java-tron gives the contract `owner` creates in transaction `txid`: 41 ‖ keccak256(txID ‖ owner)[12..32]. */
export function createdContractAddress (tw: TronWebModule, txid: string, owner: string): string {
  const ownerHex = tw.TronWeb.address.toHex(owner).toLowerCase()
  const hash = tw.utils.ethersUtils.keccak256(Buffer.from(txid.replace(/^0x/, '') + ownerHex, 'hex'))
  return tw.TronWeb.address.fromHex('41' + hash.slice(-40))
}

// ─── internals ────────────────────────────────────────────────────────────────────────────

const TYPE_URL = 'type.googleapis.com/protocol.'

/** tronweb's decoded raw_data (hex upper case, int64 as numbers). */
interface DecodedRaw {
  contract: Array<{ parameter: { value: unknown, type_url: string }, type: string, Permission_id: number }>
  data: string
  fee_limit: number
  ref_block_bytes: string
  ref_block_hash: string
  expiration: number
  timestamp: number
  scripts: string
  auths: unknown[]
}
interface DecodedTrigger { owner_address: string, contract_address: string, call_value: number, data: string, call_token_value: number, token_id: number }
interface DecodedCreate {
  owner_address: string
  call_token_value: number
  token_id: number
  new_contract: null | { origin_address: string, bytecode: string, call_value: number, consume_user_resource_percent: number, name: string, origin_energy_limit: number }
}

function shape (tx: unknown): UnsignedTransaction {
  const t = tx as Partial<UnsignedTransaction> | null
  if (typeof t !== 'object' || t === null || typeof t.txID !== 'string' || !/^[0-9a-f]{64}$/i.test(t.txID)) {
    throw new TransactionMismatch('txID', 'no transaction with a 32-byte txID')
  }
  if (typeof t.raw_data_hex !== 'string' || t.raw_data_hex.length > 2 * transactionBounds.maxRawBytes || !/^([0-9a-f]{2})+$/i.test(t.raw_data_hex)) {
    throw new TransactionMismatch('raw_data_hex', `raw_data_hex is not hex of at most ${transactionBounds.maxRawBytes} bytes`)
  }
  if (typeof t.raw_data !== 'object' || t.raw_data === null) throw new TransactionMismatch('raw_data', 'no raw_data')
  return t as UnsignedTransaction
}

function checkHeader (raw: DecodedRaw, contract: DecodedRaw['contract'][number], expected: ExpectedTransaction, now: number): void {
  if (contract.parameter.type_url !== TYPE_URL + expected.type) throw new TransactionMismatch('type_url', `its contract is packed as ${clip(contract.parameter.type_url)}`)
  if (contract.Permission_id !== 0) throw new TransactionMismatch('Permission_id', `it asks to be signed under permission ${contract.Permission_id}, not the owner's`)
  if (raw.fee_limit !== expected.feeLimit) throw new TransactionMismatch('fee_limit', `its fee_limit is ${raw.fee_limit} sun, asked ${expected.feeLimit}`)
  if (raw.data !== '' || raw.scripts !== '' || raw.auths.length > 0) throw new TransactionMismatch('raw_data', 'it carries a memo, scripts or auths')
  if (!/^[0-9a-f]{4}$/i.test(raw.ref_block_bytes) || !/^[0-9a-f]{16}$/i.test(raw.ref_block_hash)) {
    throw new TransactionMismatch('ref_block', 'its reference block is not 2 + 8 bytes')
  }
  const latest = now + transactionBounds.maxExpirationAheadMs
  if (!(raw.expiration > 0) || raw.expiration > latest) {
    throw new TransactionMismatch('expiration', `it expires at ${raw.expiration} (ms), more than ${transactionBounds.maxExpirationAheadMs / 1000} s after this machine's clock (${now})`)
  }
  if (!(raw.timestamp > 0) || raw.timestamp > raw.expiration) throw new TransactionMismatch('timestamp', `its timestamp ${raw.timestamp} is not before its expiration ${raw.expiration}`)
}

function checkTrigger (tw: TronWebModule, value: DecodedTrigger, expected: ExpectedTrigger, owner: string): void {
  if (value.owner_address.toLowerCase() !== owner) throw new TransactionMismatch('owner_address', `it is sent from ${base58(tw, value.owner_address)}, not this wallet ${expected.owner}`)
  const contract = tw.TronWeb.address.toHex(expected.contract).toLowerCase()
  if (value.contract_address.toLowerCase() !== contract) throw new TransactionMismatch('contract_address', `it calls ${base58(tw, value.contract_address)}, not ${expected.contract}`)
  if (value.call_value !== 0 || value.call_token_value !== 0 || value.token_id !== 0) {
    throw new TransactionMismatch('call_value', `it sends value along (call_value ${value.call_value}, call_token_value ${value.call_token_value}, token_id ${value.token_id})`)
  }
  const got = value.data.toLowerCase()
  const want = expected.data.replace(/^0x/, '').toLowerCase()
  if (got === want) return
  if (got.slice(0, 8) !== want.slice(0, 8)) throw new TransactionMismatch('data', `it calls selector 0x${got.slice(0, 8)}, not ${expected.call} (0x${want.slice(0, 8)})`)
  for (let word = 0; 8 + 64 * word < Math.max(got.length, want.length); word++) {
    const at = 8 + 64 * word
    const a = got.slice(at, at + 64)
    const b = want.slice(at, at + 64)
    if (a === b) continue
    // Head words are the arguments themselves (or the offsets of dynamic ones): name them.
    const what = word < expected.argNames.length ? `argument ${expected.argNames[word] ?? word}` : `argument word ${word}`
    throw new TransactionMismatch('data', `${expected.call}'s ${what} is ${a === '' ? 'missing' : '0x' + a}, asked ${b === '' ? 'nothing' : '0x' + b}`)
  }
  throw new TransactionMismatch('data', `its call data is not ${expected.call} with our arguments`)
}

function checkCreation (value: DecodedCreate, expected: ExpectedCreation, owner: string): void {
  const created = value.new_contract
  if (value.owner_address.toLowerCase() !== owner || created === null || created.origin_address.toLowerCase() !== owner) {
    throw new TransactionMismatch('owner_address', `its owner or origin is not this wallet ${expected.owner}`)
  }
  if (created.bytecode.toLowerCase() !== expected.bytecode.replace(/^0x/, '').toLowerCase()) {
    throw new TransactionMismatch('bytecode', `its bytecode is not the ${expected.name} artifact with our constructor arguments`)
  }
  if (created.call_value !== 0 || value.call_token_value !== 0 || value.token_id !== 0) throw new TransactionMismatch('call_value', 'it sends value along with the creation')
  if (created.consume_user_resource_percent !== expected.consumeUserResourcePercent || created.origin_energy_limit !== expected.originEnergyLimit) {
    throw new TransactionMismatch('resources', `consume_user_resource_percent ${created.consume_user_resource_percent} / origin_energy_limit ${created.origin_energy_limit}, asked ${expected.consumeUserResourcePercent} / ${expected.originEnergyLimit}`)
  }
  if (created.name !== expected.name) throw new TransactionMismatch('name', `it names the contract ${clip(JSON.stringify(created.name))}, not ${expected.name}`)
}

/** The contract value of our intent, in the JSON tronweb encodes. */
function intent (tw: TronWebModule, expected: ExpectedTransaction, owner: string): Record<string, unknown> {
  if (expected.type === 'TriggerSmartContract') {
    return { owner_address: owner, contract_address: tw.TronWeb.address.toHex(expected.contract).toLowerCase(), data: expected.data.replace(/^0x/, '').toLowerCase() }
  }
  return {
    owner_address: owner,
    new_contract: {
      abi: { entrys: expected.abi },
      consume_user_resource_percent: expected.consumeUserResourcePercent,
      origin_energy_limit: expected.originEnergyLimit,
      origin_address: owner,
      bytecode: expected.bytecode.replace(/^0x/, '').toLowerCase(),
      name: expected.name
    }
  }
}

function base58 (tw: TronWebModule, hex41: string): string {
  try {
    return tw.TronWeb.address.fromHex(hex41.toLowerCase())
  } catch {
    return clip(hex41)
  }
}

/** A node-chosen string cut to a length fit for a message and a log line. */
export function clip (text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`
}
