/**
 * A test double of a TRON full node's HTTP API: the `wallet/*` and `walletsolidity/*` endpoints
 * tronweb 6.5.1 calls to read blocks and accounts, build, broadcast and look up smart-contract
 * transactions, answered in java-tron's JSON shapes (hex addresses with the 41 prefix, int64 as
 * numbers, zero values and empty lists left out, error messages as hex UTF-8). It lets unmodified
 * tronweb run end to end with no network; it lives in test/ and never in src/.
 *
 * What it really checks on `wallet/broadcasttransaction`, in java-tron's order: expiration
 * against the next slot, the signature (the signer recovered from sha256(raw_data) must be the
 * owner), the reference block (ref_block_bytes/ref_block_hash must name one of its blocks),
 * expiration against the head block (not past, not more than 24 h ahead), duplicates, that the
 * owner account exists and can pay the bandwidth, the fee limit, and that the callee is a
 * contract. Accepted TriggerSmartContract transactions run on an in-process EVM (msg.sender =
 * the owner's 20-byte address) when a block is mined.
 *
 * Contract creation (CreateSmartContract), as tronweb 6.5.1's `transactionBuilder.createSmartContract`
 * makes it: tronweb builds the transaction itself (reference block from `wallet/getblock`, no
 * node call to build it) and broadcasts it; `wallet/deploycontract`, java-tron's own builder, is
 * served too. On broadcast the double checks, besides everything above, java-tron's
 * CreateSmartContract validation: origin_address = owner_address, a name of at most 32 bytes,
 * consume_user_resource_percent in 0..100, origin_energy_limit > 0, init code present, no
 * call_value / token value, and that the new address is free. The contract is created at
 * java-tron's address, `41 ‖ keccak256(txID ‖ owner_address)[12..32]`, which the transaction
 * info names in `contract_address` (on SUCCESS, REVERT and OUT_OF_ENERGY alike); on SUCCESS
 * `wallet/getcontract` serves its ABI, name and bytecode from the transaction.
 *
 * The double produces the blocks (number,
 * id, parent, timestamp, witness signature) and records java-tron-shaped transaction infos:
 * receipt.result SUCCESS / REVERT / OUT_OF_ENERGY, contractResult, logs, fees burnt in sun.
 *
 * It can also act as a malicious or intercepted full node (`double.hostile`, see Hostility):
 * building transactions other than the one asked for, self-consistent (raw_data, raw_data_hex
 * and txID agree, as a careful attacker makes them) unless a switch says otherwise, lying about
 * the reference block, or answering the info of another transaction.
 *
 * Simplifications (each chosen so that a client cannot tell on the paths it uses): one witness;
 * a block's txTrieRoot is sha256 of its txIDs rather than a Merkle root; energy is the EVM's gas
 * less the 21000 intrinsic and the calldata gas (TRON charges bytes as bandwidth instead); no
 * frozen resources, so energy is paid in TRX at `energyFee`; free bandwidth resets per UTC day
 * instead of recovering over 24 h; `walletsolidity/*` reads the current account state; only
 * TriggerSmartContract and CreateSmartContract transactions with call_value 0 are accepted; a
 * creation's energy also leaves out the EVM's 32000 CREATE base cost (the TVM has none).
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TronWeb, utils } from 'tronweb'
import { createTestEvm, type EvmResult, type TestEvm } from './evm.js'

export interface TronDoubleOptions {
  /** The EVM that runs the contracts; default a fresh createTestEvm(), stopped with the double. */
  evm?: TestEvm
  /** Mine each accepted transaction into its own block before answering the broadcast (default true). */
  autoMine?: boolean
  /** Blocks the solid block trails the head by (`walletsolidity/*` sees only solid blocks); default 0. */
  solidityLag?: number
  /** Sun per unit of energy (java-tron getEnergyFee); default 100. */
  energyFee?: bigint
  /** Sun per byte of bandwidth (getTransactionFee); default 1000. */
  transactionFee?: bigint
  /** Free bandwidth bytes per account per day (getFreeNetLimit); default 600. */
  freeNetLimit?: number
  /** Largest fee_limit accepted (getMaxFeeLimit); default 15000 TRX. */
  maxFeeLimit?: bigint
}

/**
 * What a hostile double changes in its answers (`double.hostile`); `double.attacker` is the
 * address it works for. Build switches act on `wallet/triggersmartcontract` only.
 */
export type Hostility =
  /** approve(spender, value) names the attacker as spender. */
  | 'spender'
  /** approve's value is raised to 2^256 − 1. */
  | 'amount'
  /** cashCheque(beneficiary, …) pays the attacker. */
  | 'beneficiary'
  /** Any call goes to the attacker's address instead of the contract asked. */
  | 'contract'
  /** 1 TRX of call_value rides along. */
  | 'callValue'
  /** A TRC-10 call_token_value and token_id ride along. */
  | 'tokenValue'
  /** owner_address is the attacker's account (the wallet would sign for it). */
  | 'owner'
  /** fee_limit is raised to the chain's maximum. */
  | 'feeLimit'
  /** The transaction expires 23 h ahead (java-tron accepts up to 24 h): the node can sit on it. */
  | 'expiration'
  /** raw_data_hex carries a second contract, an approve for the attacker (the JSON lists both). */
  | 'secondContract'
  /** The JSON raw_data is the honest call; raw_data_hex and txID are of the call sent to the attacker. */
  | 'hexOnly'
  /** The other way round: honest raw_data_hex and txID under a JSON raw_data calling the attacker. */
  | 'jsonOnly'
  /** `wallet/getblock` (tronweb's reference block for what it builds itself) is dated 23 h ahead. */
  | 'blockAhead'
  /** `gettransactioninfobyid` answers the info of the latest other mined transaction. */
  | 'otherInfo'
  /** A creation's info names another contract (the first one on the double) as created. */
  | 'createdElsewhere'
  /** `gettransactioninfobyid` answers a SUCCESS whose log list is a string and fee a text. */
  | 'garbledInfo'
  /** `broadcasttransaction` says `result: true` and drops the transaction. */
  | 'swallowBroadcast'
  /** `broadcasttransaction` rejects with 64 KiB of a message that is not hex. */
  | 'garbledBroadcast'

/** A block the double produced. `id` is java-tron's block id: 8-byte number ‖ sha256(header)[8..32]. */
export interface DoubleBlock {
  number: number
  id: string
  parentHash: string
  timestamp: number
  txTrieRoot: string
  txids: string[]
  witnessSignature: string
}

/** java-tron's TransactionInfo JSON (non-visible form), as `gettransactioninfobyid` prints it. */
export interface DoubleTransactionInfo {
  id: string
  fee?: bigint
  blockNumber: number
  blockTimeStamp: number
  contractResult: string[]
  contract_address: string
  receipt: { energy_fee?: bigint, energy_usage_total?: bigint, net_usage?: number, net_fee?: bigint, result: 'SUCCESS' | 'REVERT' | 'OUT_OF_ENERGY' }
  log?: Array<{ address: string, topics: string[], data?: string }>
  result?: 'FAILED'
  resMessage?: string
}

export interface TronDouble {
  /** http://127.0.0.1:PORT, the `fullHost` for tronweb. */
  readonly url: string
  /** The EVM behind the contracts, to look at state directly. */
  readonly evm: TestEvm
  /** Every request served, as 'POST /wallet/getblock', in order. */
  readonly calls: string[]
  /** How the double lies, or undefined for an honest node (the default). */
  hostile: Hostility | undefined
  /** The base58 address a hostile double works for. */
  readonly attacker: string
  /** The chain's wall clock (ms): real time plus every advanceTime, never behind the head block. */
  now: () => number
  /** How many broadcasts the double has taken (accepted or rejected). */
  broadcasts: () => number
  /** Deploys `initCode` from `from` straight on the EVM (no transaction, no fee); returns the base58 address. */
  deploy: (from: string, initCode: string, options?: { name?: string, abi?: unknown[] }) => Promise<string>
  /** Sets an account's TRX balance in sun, creating (activating) the account. */
  setTrx: (address: string, sun: bigint) => void
  /** An account's TRX balance in sun (0 for an unknown account). */
  trx: (address: string) => bigint
  /** Moves the clock on by `seconds` (EVM included) and mines a block at the new time. */
  advanceTime: (seconds: number) => Promise<void>
  /** Mines a block with every pending transaction. */
  mine: () => Promise<DoubleBlock>
  head: () => DoubleBlock
  /** The txIDs broadcast and accepted but not yet in a block. */
  pending: () => string[]
  /** The transaction info of a mined transaction. */
  info: (txid: string) => DoubleTransactionInfo | undefined
  /** The 0x 20-byte EVM form of a TRON address (base58 or 41-hex). */
  evmAddress: (address: string) => string
  stop: () => Promise<void>
}

interface Account { balance: bigint, createTime: number, freeNetUsed: number, freeNetDay: number, latestFreeTime: number }
interface ContractEntry { origin: string, initCode: string, name: string, abi: unknown[] }
interface Pending { txid: string, tx: SignedTx, bytes: number }
interface SignedTx {
  txID: string
  raw_data: RawData
  raw_data_hex: string
  signature: string[]
  visible: boolean
}
interface RawData {
  contract: Array<{ parameter: { value: TriggerValue & CreateValue, type_url: string }, type: string, Permission_id?: number }>
  ref_block_bytes: string
  ref_block_hash: string
  expiration: number
  timestamp?: number
  fee_limit?: number
}
interface TriggerValue { owner_address: string, contract_address: string, data?: string, call_value?: number, call_token_value?: number, token_id?: number }
/** CreateSmartContract's value: the new SmartContract (its bytecode is init code ‖ constructor arguments). */
interface CreateValue { owner_address: string, new_contract: NewContract, call_token_value?: number, token_id?: number }
interface NewContract {
  origin_address?: string
  contract_address?: string
  abi?: { entrys?: unknown[] }
  bytecode?: string
  call_value?: number
  consume_user_resource_percent?: number
  name?: string
  origin_energy_limit?: number
}
type Json = Record<string, unknown>

const SLOT_MS = 3000
const EXPIRATION_MS = 60_000
const MAX_EXPIRATION_AHEAD_MS = 86_400_000
const MAX_RESULT_SIZE_IN_TX = 64
const TYPE_URL_PREFIX = 'type.googleapis.com/protocol.'
/** The TVM charges no base cost for a creation; the EVM's CREATE transaction does (53000 − 21000). */
const EVM_CREATE_BASE = 32000n
/** How far ahead a hostile double dates an expiration or a reference block: 23 h, inside java-tron's 24 h. */
const HOSTILE_AHEAD_MS = 23 * 3_600_000

/** Starts a double on 127.0.0.1, port 0, with genesis and one block mined. */
export async function startTronDouble (options: TronDoubleOptions = {}): Promise<TronDouble> {
  const evm = options.evm ?? await createTestEvm()
  const node = new TronDoubleNode(evm, options.evm === undefined, options)
  await node.listen()
  return node
}

class TronDoubleNode implements TronDouble {
  readonly evm: TestEvm
  readonly calls: string[] = []
  url = ''
  hostile: Hostility | undefined
  readonly attacker = utils.accounts.generateAccount().address.base58
  #advancedMs = 0
  readonly #ownsEvm: boolean
  readonly #autoMine: boolean
  readonly #solidityLag: number
  readonly #energyFee: bigint
  readonly #transactionFee: bigint
  readonly #freeNetLimit: number
  readonly #maxFeeLimit: bigint
  readonly #witnessKey = randomBytes(32).toString('hex')
  readonly #witness: string
  readonly #blocks: DoubleBlock[] = []
  /** ref_block_bytes → ref_block_hash of the last 65536 blocks (java-tron's recent block store). */
  readonly #recent = new Map<string, string>()
  readonly #accounts = new Map<string, Account>()
  readonly #contracts = new Map<string, ContractEntry>()
  readonly #txs = new Map<string, { tx: SignedTx, info: DoubleTransactionInfo }>()
  readonly #pending: Pending[] = []
  readonly #server = createServer((req, res) => { void this.#serve(req, res) })
  #queue: Promise<unknown> = Promise.resolve()

  constructor (evm: TestEvm, ownsEvm: boolean, options: TronDoubleOptions) {
    this.evm = evm
    this.#ownsEvm = ownsEvm
    this.#autoMine = options.autoMine ?? true
    this.#solidityLag = options.solidityLag ?? 0
    this.#energyFee = options.energyFee ?? 100n
    this.#transactionFee = options.transactionFee ?? 1000n
    this.#freeNetLimit = options.freeNetLimit ?? 600
    this.#maxFeeLimit = options.maxFeeLimit ?? 15_000_000_000n
    this.#witness = TronWeb.address.toHex(TronWeb.address.fromPrivateKey(this.#witnessKey) as string).toLowerCase()
  }

  async listen (): Promise<void> {
    const start = (await this.evm.now()) * 1000
    this.#produce(0, start - SLOT_MS, '00'.repeat(32), [])
    this.#produce(1, start, this.#blocks[0].id, [])
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async stop (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
    if (this.#ownsEvm) await this.evm.stop()
  }

  // ─── test setup, bypassing tronweb ────────────────────────────────────────────────────────

  async deploy (from: string, initCode: string, options: { name?: string, abi?: unknown[] } = {}): Promise<string> {
    return await this.#exclusive(async () => {
      const origin = hex41(from)
      const result = await this.evm.deploy(evmForm(origin), prefixed(initCode))
      if (!result.success || result.createdAddress === undefined) {
        throw new Error(`deploy failed: ${result.revertReason ?? result.returnData}`)
      }
      const address = hex41(result.createdAddress)
      this.#contracts.set(address, { origin, initCode: strip(initCode), name: options.name ?? '', abi: options.abi ?? [] })
      return TronWeb.address.fromHex(address)
    })
  }

  setTrx (address: string, sun: bigint): void {
    const key = hex41(address)
    const account = this.#accounts.get(key)
    if (account !== undefined) account.balance = sun
    else this.#accounts.set(key, { balance: sun, createTime: this.head().timestamp, freeNetUsed: 0, freeNetDay: 0, latestFreeTime: 0 })
  }

  trx (address: string): bigint {
    return this.#accounts.get(hex41(address))?.balance ?? 0n
  }

  now (): number {
    return Math.max(Date.now() + this.#advancedMs, this.head().timestamp)
  }

  broadcasts (): number {
    return this.calls.filter(c => c === 'POST /wallet/broadcasttransaction').length
  }

  async advanceTime (seconds: number): Promise<void> {
    await this.#exclusive(async () => {
      this.#advancedMs += seconds * 1000
      await this.evm.increaseTime(seconds)
      await this.#mine(this.head().timestamp + seconds * 1000)
    })
  }

  async mine (): Promise<DoubleBlock> {
    return await this.#exclusive(async () => await this.#mine(0))
  }

  head (): DoubleBlock {
    return this.#blocks[this.#blocks.length - 1]
  }

  pending (): string[] {
    return this.#pending.map(p => p.txid)
  }

  info (txid: string): DoubleTransactionInfo | undefined {
    return this.#txs.get(strip(txid).toLowerCase())?.info
  }

  evmAddress (address: string): string {
    return evmForm(hex41(address))
  }

  // ─── HTTP ─────────────────────────────────────────────────────────────────────────────────

  async #serve (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double')
    this.calls.push(`${req.method ?? 'GET'} ${url.pathname}`)
    let params: Json
    try {
      params = Object.fromEntries(url.searchParams)
      const body = await readBody(req)
      if (req.method === 'POST' && body.trim() !== '') Object.assign(params, JSON.parse(body))
    } catch (err) {
      return reply(res, { Error: `class com.alibaba.fastjson.JSONException : ${(err as Error).message}` })
    }
    const route = this.#routes[url.pathname.replace(/\/+$/, '')]
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no such API: ${url.pathname}\n`)
      return
    }
    try {
      reply(res, await route(params))
    } catch (err) {
      reply(res, { Error: `class java.lang.IllegalArgumentException : ${(err as Error).message}` })
    }
  }

  readonly #routes: Record<string, (params: Json) => Promise<unknown>> = {
    '/wallet/getnowblock': async () => this.#blockJson(this.head(), true),
    '/walletsolidity/getnowblock': async () => this.#blockJson(this.#solid(), true),
    '/wallet/getblock': async p => this.#getBlock(p, this.head().number),
    '/walletsolidity/getblock': async p => this.#getBlock(p, this.#solid().number),
    '/wallet/getblockbynum': async p => this.#byNum(p.num, this.head().number),
    '/walletsolidity/getblockbynum': async p => this.#byNum(p.num, this.#solid().number),
    '/wallet/getblockbyid': async p => this.#byId(p.value, this.head().number),
    '/wallet/getaccount': async p => this.#accountJson(p.address),
    '/walletsolidity/getaccount': async p => this.#accountJson(p.address),
    '/wallet/getcontract': async p => await this.#contractJson(p.value, false),
    '/wallet/getcontractinfo': async p => await this.#contractJson(p.value, true),
    '/wallet/getchainparameters': async () => this.#chainParameters(),
    '/wallet/triggersmartcontract': async p => await this.#trigger(p),
    '/wallet/deploycontract': async p => this.#deployContract(p),
    '/wallet/triggerconstantcontract': async p => await this.#exclusive(async () => await this.#constant(p)),
    '/walletsolidity/triggerconstantcontract': async p => await this.#exclusive(async () => await this.#constant(p)),
    '/wallet/broadcasttransaction': async p => await this.#exclusive(async () => await this.#broadcast(p)),
    '/wallet/gettransactioninfobyid': async p => this.#infoJson(p.value, this.head().number),
    '/walletsolidity/gettransactioninfobyid': async p => this.#infoJson(p.value, this.#solid().number),
    '/wallet/gettransactionbyid': async p => this.#txJson(p.value, this.head().number),
    '/walletsolidity/gettransactionbyid': async p => this.#txJson(p.value, this.#solid().number)
  }

  // ─── blocks ───────────────────────────────────────────────────────────────────────────────

  #solid (): DoubleBlock {
    return this.#blocks[Math.max(0, this.#blocks.length - 1 - this.#solidityLag)]
  }

  #produce (number: number, timestamp: number, parentHash: string, txids: string[]): DoubleBlock {
    const txTrieRoot = txids.length === 0 ? '00'.repeat(32) : sha256Hex(Buffer.from(txids.join(''), 'hex'))
    const header = Buffer.concat([
      pbVarintField(1, BigInt(timestamp)),
      pbBytesField(2, Buffer.from(txTrieRoot, 'hex')),
      pbBytesField(3, Buffer.from(parentHash, 'hex')),
      number === 0 ? Buffer.alloc(0) : pbVarintField(7, BigInt(number)),
      pbBytesField(9, Buffer.from(this.#witness, 'hex')),
      pbVarintField(10, 32n)
    ])
    const id = number.toString(16).padStart(16, '0') + sha256Hex(header).slice(16)
    const witnessSignature = utils.crypto.ECKeySign(Buffer.from(sha256Hex(header), 'hex'), Buffer.from(this.#witnessKey, 'hex'))
    const block = { number, id, parentHash, timestamp, txTrieRoot, txids, witnessSignature }
    this.#blocks.push(block)
    this.#recent.set(id.slice(12, 16), id.slice(16, 32))
    return block
  }

  #blockJson (block: DoubleBlock, detail: boolean): Json {
    const raw: Json = {}
    if (block.number !== 0) raw.number = block.number
    Object.assign(raw, { txTrieRoot: block.txTrieRoot, witness_address: this.#witness, parentHash: block.parentHash, version: 32, timestamp: block.timestamp })
    const json: Json = { blockID: block.id, block_header: { raw_data: raw, witness_signature: block.witnessSignature } }
    if (detail && block.txids.length > 0) json.transactions = block.txids.map(id => this.#txJson(id, block.number))
    return json
  }

  #getBlock (params: Json, limit: number): Json {
    const detail = params.detail === true || params.detail === 'true'
    const idOrNum = params.id_or_num
    if (idOrNum === undefined || idOrNum === '') {
      const block = this.#blocks[limit]
      return this.#blockJson(this.hostile === 'blockAhead' ? { ...block, timestamp: block.timestamp + HOSTILE_AHEAD_MS } : block, detail)
    }
    const text = String(idOrNum)
    if (/^\d+$/.test(text)) {
      const block = this.#blocks[Number(text)]
      return block === undefined || block.number > limit ? {} : this.#blockJson(block, detail)
    }
    const block = this.#blocks.find(b => b.id === text.toLowerCase())
    if (block === undefined || block.number > limit) return { Error: 'id must be legal block hash.' }
    return this.#blockJson(block, detail)
  }

  #byNum (num: unknown, limit: number): Json {
    const block = this.#blocks[Number(num ?? 0)]
    return block === undefined || block.number > limit ? {} : this.#blockJson(block, true)
  }

  #byId (id: unknown, limit: number): Json {
    const block = this.#blocks.find(b => b.id === String(id).toLowerCase())
    return block === undefined || block.number > limit ? {} : this.#blockJson(block, true)
  }

  async #mine (atLeast: number): Promise<DoubleBlock> {
    const head = this.head()
    const number = head.number + 1
    const timestamp = Math.max(head.timestamp + SLOT_MS, atLeast, (await this.evm.now()) * 1000)
    // The TVM's block.timestamp is the block's: bring the EVM clock up to it (it only runs ahead
    // when one block holds several transactions, which the EVM mines one block each).
    const behind = timestamp / 1000 - await this.evm.now()
    if (behind > 0 && this.#pending.length > 0) await this.evm.increaseTime(behind)
    const included: string[] = []
    for (const pending of this.#pending.splice(0)) {
      const info = await this.#execute(pending, number, timestamp)
      if (info === undefined) continue
      this.#txs.set(pending.txid, { tx: pending.tx, info })
      included.push(pending.txid)
    }
    return this.#produce(number, timestamp, head.id, included)
  }

  // ─── accounts and contracts ───────────────────────────────────────────────────────────────

  #accountJson (address: unknown): Json {
    const key = tryHex41(address)
    const account = key === undefined ? undefined : this.#accounts.get(key)
    if (key === undefined || account === undefined) return {}
    const json: Json = { address: key }
    if (account.balance !== 0n) json.balance = account.balance
    json.create_time = account.createTime
    if (account.freeNetUsed !== 0) json.free_net_usage = account.freeNetUsed
    if (account.latestFreeTime !== 0) json.latest_consume_free_time = account.latestFreeTime
    json.owner_permission = { permission_name: 'owner', threshold: 1, keys: [{ address: key, weight: 1 }] }
    return json
  }

  async #contractJson (address: unknown, withInfo: boolean): Promise<Json> {
    const key = tryHex41(address)
    const contract = key === undefined ? undefined : this.#contracts.get(key)
    if (key === undefined || contract === undefined) return {}
    const runtime = strip(await this.evm.code(evmForm(key)))
    const smart: Json = {
      origin_address: contract.origin,
      contract_address: key,
      abi: contract.abi.length > 0 ? { entrys: contract.abi } : {},
      bytecode: contract.initCode,
      consume_user_resource_percent: 100,
      name: contract.name,
      origin_energy_limit: 10_000_000,
      code_hash: keccakHex(runtime)
    }
    if (contract.name === '') delete smart.name
    if (!withInfo) return smart
    return { runtimecode: runtime, smart_contract: smart, contract_state: { update_cycle: Math.floor(this.head().timestamp / 86_400_000) } }
  }

  #chainParameters (): Json {
    return {
      chainParameter: [
        { key: 'getTransactionFee', value: this.#transactionFee },
        { key: 'getFreeNetLimit', value: this.#freeNetLimit },
        { key: 'getEnergyFee', value: this.#energyFee },
        { key: 'getMaxFeeLimit', value: this.#maxFeeLimit },
        { key: 'getAllowTvmConstantinople', value: 1 }
      ]
    }
  }

  async #isContract (address: string): Promise<boolean> {
    return strip(await this.evm.code(evmForm(address))) !== ''
  }

  // ─── building and constant calls ──────────────────────────────────────────────────────────

  /** The TriggerSmartContract value java-tron's servlet builds from the request (JsonFormat merge + parseMethod). */
  #triggerValue (params: Json): TriggerValue {
    const owner = tryHex41(params.owner_address)
    if (owner === undefined) throw new InvalidParameter('owner_address isn\'t set.')
    const contract = tryHex41(params.contract_address)
    if (contract === undefined) throw new InvalidParameter('contract_address isn\'t set.')
    let data = typeof params.data === 'string' ? strip(params.data) : ''
    if (typeof params.function_selector === 'string' && params.function_selector !== '') {
      const selector = params.function_selector.replace(/\s/g, '')
      data = keccakHex(Buffer.from(selector, 'utf8').toString('hex')).slice(0, 8) + strip(String(params.parameter ?? ''))
    }
    const value: TriggerValue = { owner_address: owner, contract_address: contract }
    if (data !== '') value.data = data.toLowerCase()
    for (const field of ['call_value', 'call_token_value', 'token_id'] as const) {
      const n = Number(params[field] ?? 0)
      if (n !== 0) value[field] = n
    }
    return value
  }

  /**
   * A transaction as java-tron's createTransactionCapsule makes it: head block reference,
   * expiration head + 60 s, timestamp the node's clock. `expiration` overrides the last.
   */
  #newTransaction (value: TriggerValue | CreateValue, feeLimit: number, permissionId: number, type = 'TriggerSmartContract', expiration?: number): SignedTx {
    const head = this.head()
    const raw: RawData = {
      contract: [{ parameter: { value: value as TriggerValue & CreateValue, type_url: TYPE_URL_PREFIX + type }, type }],
      ref_block_bytes: head.id.slice(12, 16),
      ref_block_hash: head.id.slice(16, 32),
      expiration: expiration ?? head.timestamp + EXPIRATION_MS,
      timestamp: this.now()
    }
    if (feeLimit > 0) raw.fee_limit = feeLimit
    if (permissionId > 0) raw.contract[0].Permission_id = permissionId
    const tx = { visible: false, txID: '', raw_data: raw, raw_data_hex: '', signature: [] }
    const pb = utils.transaction.txJsonToPb(tx)
    tx.txID = strip(utils.transaction.txPbToTxID(pb))
    tx.raw_data_hex = utils.transaction.txPbToRawDataHex(pb).toLowerCase()
    return tx
  }

  /**
   * The transaction a hostile node returns for the honest `value` (undefined when this switch
   * does not touch builds). Self-consistent unless the switch says otherwise.
   */
  #hostileBuild (value: TriggerValue, feeLimit: number, permissionId: number): SignedTx | undefined {
    const attacker = hex41(this.attacker)
    const word = (hex: string): string => hex.slice(2).padStart(64, '0')
    const data = value.data ?? ''
    const withArg = (index: number, replacement: string): TriggerValue => ({ ...value, data: data.slice(0, 8 + 64 * index) + replacement + data.slice(8 + 64 * (index + 1)) })
    const selector = (signature: string): string => keccakHex(Buffer.from(signature, 'utf8').toString('hex')).slice(0, 8)
    const build = (v: TriggerValue, fee = feeLimit, expiration?: number): SignedTx => this.#newTransaction(v, fee, permissionId, 'TriggerSmartContract', expiration)
    switch (this.hostile) {
      case 'spender': return data.startsWith(selector('approve(address,uint256)')) ? build(withArg(0, word(attacker))) : undefined
      case 'amount': return data.startsWith(selector('approve(address,uint256)')) ? build(withArg(1, 'f'.repeat(64))) : undefined
      case 'beneficiary': return data.startsWith(selector('cashCheque(address,uint256,bytes)')) ? build(withArg(0, word(attacker))) : undefined
      case 'contract': return build({ ...value, contract_address: attacker })
      case 'callValue': return build({ ...value, call_value: 1_000_000 })
      case 'tokenValue': return build({ ...value, call_token_value: 1_000_000, token_id: 1_000_001 })
      case 'owner': return build({ ...value, owner_address: attacker })
      case 'feeLimit': return build(value, Number(this.#maxFeeLimit))
      case 'expiration': return build(value, feeLimit, this.head().timestamp + HOSTILE_AHEAD_MS)
      case 'secondContract': {
        const honest = build(value)
        const extra = build({ ...value, data: selector('approve(address,uint256)') + word(attacker) + 'f'.repeat(64) })
        const contractBytes = Buffer.from(utils.transaction.txJsonToPb(extra).getRawData().getContractList()[0].serializeBinary())
        const raw = Buffer.concat([Buffer.from(honest.raw_data_hex, 'hex'), pbBytesField(11, contractBytes)])
        return { ...honest, raw_data: { ...honest.raw_data, contract: [...honest.raw_data.contract, ...extra.raw_data.contract] }, raw_data_hex: raw.toString('hex'), txID: sha256Hex(raw) }
      }
      case 'hexOnly': {
        const honest = build(value)
        const redirected = build({ ...value, contract_address: attacker })
        return { ...honest, raw_data_hex: redirected.raw_data_hex, txID: redirected.txID }
      }
      case 'jsonOnly': {
        const honest = build(value)
        return { ...honest, raw_data: build({ ...value, contract_address: attacker }).raw_data }
      }
      default: return undefined
    }
  }

  async #trigger (params: Json): Promise<Json> {
    try {
      const value = this.#triggerValue(params)
      if (!await this.#isContract(value.contract_address)) {
        return failure('CONTRACT_VALIDATE_ERROR', 'No contract or not a valid smart contract')
      }
      const feeLimit = Number(params.fee_limit ?? 0)
      const permissionId = Number(params.Permission_id ?? 0)
      const tx = this.#hostileBuild(value, feeLimit, permissionId) ?? this.#newTransaction(value, feeLimit, permissionId)
      const { signature: _unsigned, ...unsigned } = tx
      return { result: { result: true }, transaction: unsigned }
    } catch (err) {
      return failure('OTHER_ERROR', `class ${err instanceof InvalidParameter ? 'java.security.InvalidParameterException' : 'java.lang.Exception'} : ${(err as Error).message}`)
    }
  }

  /**
   * java-tron's DeployContractServlet: a CreateSmartContract from the request (abi as a JSON
   * string, bytecode ‖ parameter, the SmartContract fields), answered as the bare transaction plus
   * `contract_address` (printCreateTransaction), or `{ Error }`.
   */
  #deployContract (params: Json): Json {
    try {
      const owner = tryHex41(params.owner_address)
      if (owner === undefined) throw new InvalidParameter('owner_address isn\'t set.')
      let entries: unknown = []
      if (typeof params.abi === 'string' && params.abi.trim() !== '') entries = JSON.parse(params.abi)
      else if (Array.isArray(params.abi)) entries = params.abi
      if (!Array.isArray(entries)) throw new InvalidParameter('abi must be a JSON array')
      const bytecode = strip(String(params.bytecode ?? '')) + strip(String(params.parameter ?? ''))
      if (!/^([0-9a-f]{2})*$/i.test(bytecode)) throw new InvalidParameter('bytecode must be hex')
      const contract: NewContract = { origin_address: owner }
      const abi = entries.map(printAbiEntry)
      contract.abi = abi.length > 0 ? { entrys: abi } : {}
      if (bytecode !== '') contract.bytecode = bytecode.toLowerCase()
      const callValue = Number(params.call_value ?? 0)
      if (callValue !== 0) contract.call_value = callValue
      const percent = Number(params.consume_user_resource_percent ?? 0)
      if (percent !== 0) contract.consume_user_resource_percent = percent
      const originEnergyLimit = Number(params.origin_energy_limit ?? 0)
      if (originEnergyLimit !== 0) contract.origin_energy_limit = originEnergyLimit
      if (typeof params.name === 'string' && params.name !== '') contract.name = params.name
      const value: CreateValue = { owner_address: owner, new_contract: contract }
      for (const field of ['call_token_value', 'token_id'] as const) {
        const n = Number(params[field] ?? 0)
        if (n !== 0) value[field] = n
      }
      const tx = this.#newTransaction(value, Number(params.fee_limit ?? 0), Number(params.Permission_id ?? 0), 'CreateSmartContract')
      const { signature: _unsigned, ...unsigned } = tx
      return { ...unsigned, contract_address: contractAddressOf(tx.txID, owner) }
    } catch (err) {
      return { Error: `class ${err instanceof InvalidParameter ? 'java.security.InvalidParameterException' : 'java.lang.Exception'} : ${(err as Error).message}` }
    }
  }

  async #constant (params: Json): Promise<Json> {
    let value: TriggerValue
    try {
      value = this.#triggerValue(params)
    } catch (err) {
      return failure('OTHER_ERROR', `class java.security.InvalidParameterException : ${(err as Error).message}`)
    }
    if (!await this.#isContract(value.contract_address)) return failure('CONTRACT_VALIDATE_ERROR', 'Smart contract is not exist.')
    const result = await this.evm.staticCall(evmForm(value.owner_address), evmForm(value.contract_address), prefixed(value.data ?? ''))
    const { signature: _unsigned, ...tx } = this.#newTransaction(value, 0, Number(params.Permission_id ?? 0))
    const json: Json = { result: { result: true }, constant_result: [strip(result.returnData)] }
    const energy = energyOf(result.gasUsed, value.data ?? '')
    if (energy > 0n) json.energy_used = energy
    if (result.success) {
      const logs = result.logs.map(logJson)
      if (logs.length > 0) json.logs = logs
      json.transaction = { ret: [{}], ...tx }
    } else {
      json.result = { result: true, message: utf8Hex('REVERT opcode executed') }
      json.transaction = { ret: [{ ret: 'FAILED' }], ...tx }
    }
    return json
  }

  // ─── broadcast and execution ──────────────────────────────────────────────────────────────

  async #broadcast (params: Json): Promise<Json> {
    let txid: string
    let rawHex: string
    try {
      const pb = utils.transaction.txJsonToPb(params)
      txid = strip(utils.transaction.txPbToTxID(pb))
      rawHex = utils.transaction.txPbToRawDataHex(pb).toLowerCase()
    } catch (err) {
      return { Error: `class java.lang.NullPointerException : ${(err as Error).message}` }
    }
    if (this.hostile === 'swallowBroadcast') return { result: true, txid }
    if (this.hostile === 'garbledBroadcast') return { code: 'SIGERROR', txid, message: 'not hex '.repeat(8192) }
    const tx = params as unknown as SignedTx
    const raw = tx.raw_data
    const reject = (code: string, message: string): Json => ({ code, txid, message: utf8Hex(message) })
    const contract = raw.contract[0]
    if (contract === undefined) return reject('CONTRACT_VALIDATE_ERROR', 'Contract validate error : Contract not exists')
    const head = this.head()
    if (Number(raw.expiration ?? 0) < head.timestamp + SLOT_MS) return reject('TRANSACTION_EXPIRATION_ERROR', 'Transaction expired')

    const owner = tryHex41(contract.parameter.value.owner_address) ?? ''
    const signatureError = this.#checkSignature(txid, owner, tx.signature)
    if (signatureError !== undefined) return reject('SIGERROR', `Validate signature error: ${signatureError}`)
    if (this.#recent.get(String(raw.ref_block_bytes).toLowerCase()) !== String(raw.ref_block_hash).toLowerCase()) {
      return reject('TAPOS_ERROR', 'Tapos check error.')
    }
    if (raw.expiration <= head.timestamp || raw.expiration > head.timestamp + MAX_EXPIRATION_AHEAD_MS) {
      return reject('TRANSACTION_EXPIRATION_ERROR', 'Transaction expired')
    }
    if (this.#txs.has(txid) || this.#pending.some(p => p.txid === txid)) return reject('DUP_TRANSACTION_ERROR', 'Dup transaction.')

    const account = this.#accounts.get(owner)
    if (account === undefined) {
      return reject('CONTRACT_VALIDATE_ERROR', `Contract validate error : account [${TronWeb.address.fromHex(owner)}] does not exist`)
    }
    const bytes = rawHex.length / 2 + tx.signature.reduce((n, s) => n + 2 + strip(s).length / 2, 0) + 3 + MAX_RESULT_SIZE_IN_TX
    if (!this.#freeNetFits(account, bytes, head.timestamp) && account.balance < BigInt(bytes) * this.#transactionFee) {
      return reject('BANDWITH_ERROR', 'Account resource insufficient error.')
    }
    if (contract.type !== 'TriggerSmartContract' && contract.type !== 'CreateSmartContract') {
      return reject('CONTRACT_VALIDATE_ERROR', `Contract validate error : the double runs TriggerSmartContract and CreateSmartContract only, not ${contract.type}`)
    }
    if (contract.parameter.type_url !== TYPE_URL_PREFIX + contract.type) {
      return reject('CONTRACT_VALIDATE_ERROR', `Contract validate error : contract type error, expected type [${contract.type}], real type [${String(contract.parameter.type_url)}]`)
    }
    const feeLimit = BigInt(raw.fee_limit ?? 0)
    if (feeLimit < 0n || feeLimit > this.#maxFeeLimit) {
      return reject('CONTRACT_VALIDATE_ERROR', `Contract validate error : feeLimit must be >= 0 and <= ${this.#maxFeeLimit}`)
    }
    if (contract.type === 'CreateSmartContract') {
      const invalid = await this.#checkCreate(txid, owner, contract.parameter.value)
      if (invalid !== undefined) return reject('CONTRACT_VALIDATE_ERROR', `Contract validate error : ${invalid}`)
    } else {
      if (Number(contract.parameter.value.call_value ?? 0) !== 0 || Number(contract.parameter.value.call_token_value ?? 0) !== 0) {
        return reject('CONTRACT_VALIDATE_ERROR', 'Contract validate error : the double does not model call_value / call_token_value')
      }
      const callee = tryHex41(contract.parameter.value.contract_address)
      if (callee === undefined || !await this.#isContract(callee)) {
        return reject('CONTRACT_VALIDATE_ERROR', 'Contract validate error : No contract or not a valid smart contract')
      }
    }

    const signed: SignedTx = { visible: false, txID: txid, raw_data: raw, raw_data_hex: rawHex, signature: tx.signature.map(strip) }
    this.#pending.push({ txid, tx: signed, bytes })
    if (this.#autoMine) await this.#mine(0)
    return { result: true, txid }
  }

  /** java-tron's CreateSmartContract validation (VMActuator.validate/create); undefined when the creation may run. */
  async #checkCreate (txid: string, owner: string, value: CreateValue): Promise<string | undefined> {
    const created = value.new_contract
    if (created === undefined || created === null) return 'no new_contract in CreateSmartContract'
    if (tryHex41(created.origin_address) !== owner) return 'OwnerAddress is not equals OriginAddress'
    if (Buffer.byteLength(created.name ?? '', 'utf8') > 32) return 'contractName\'s length cannot be greater than 32'
    const percent = Number(created.consume_user_resource_percent ?? 0)
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) return 'percent must be >= 0 and <= 100'
    if (!(Number(created.origin_energy_limit ?? 0) > 0)) return 'The originEnergyLimit must be > 0'
    if (Number(created.call_value ?? 0) !== 0 || Number(value.call_token_value ?? 0) !== 0 || Number(value.token_id ?? 0) !== 0) {
      return 'the double does not model call_value / call_token_value'
    }
    if (!/^([0-9a-f]{2})+$/i.test(strip(String(created.bytecode ?? '')))) return 'the double needs init code (new_contract.bytecode)'
    const address = contractAddressOf(txid, owner)
    if (this.#contracts.has(address) || await this.#isContract(address)) {
      return `Trying to create a contract with existing contract address: ${TronWeb.address.fromHex(address)}`
    }
    return undefined
  }

  /** java-tron's validateSignature for an account with the default owner permission (one key, threshold 1). */
  #checkSignature (txid: string, owner: string, signatures: unknown): string | undefined {
    if (!Array.isArray(signatures) || signatures.length === 0) return 'miss sig or contract'
    if (signatures.length > 1) return `Signature count is ${signatures.length} more than key counts of permission : 1`
    const signature = strip(String(signatures[0]))
    let signer: string
    try {
      if (!/^[0-9a-f]{130}$/i.test(signature)) throw new Error(`Signature size is ${signature.length / 2}`)
      signer = utils.crypto.ecRecover(txid, signature).toLowerCase()
    } catch (err) {
      return (err as Error).message
    }
    if (signer !== owner) return `${signature} is signed by ${TronWeb.address.fromHex(signer)} but it is not contained of permission.`
    return undefined
  }

  #freeNetFits (account: Account, bytes: number, now: number): boolean {
    const used = Math.floor(now / 86_400_000) === account.freeNetDay ? account.freeNetUsed : 0
    return used + bytes <= this.#freeNetLimit
  }

  /** Runs a pending transaction in block `number`; undefined drops it (as java-tron drops a pending tx that no longer fits). */
  async #execute (pending: Pending, number: number, timestamp: number): Promise<DoubleTransactionInfo | undefined> {
    const contract = pending.tx.raw_data.contract[0]
    const value = contract.parameter.value
    const owner = hex41(value.owner_address)
    const creation = contract.type === 'CreateSmartContract'
    const callee = creation ? contractAddressOf(pending.txid, owner) : hex41(value.contract_address)
    const account = this.#accounts.get(owner)
    if (account === undefined) return undefined

    let netUsage = 0
    let netFee = 0n
    if (this.#freeNetFits(account, pending.bytes, timestamp)) {
      const day = Math.floor(timestamp / 86_400_000)
      account.freeNetUsed = (day === account.freeNetDay ? account.freeNetUsed : 0) + pending.bytes
      account.freeNetDay = day
      account.latestFreeTime = timestamp
      netUsage = pending.bytes
    } else {
      netFee = BigInt(pending.bytes) * this.#transactionFee
      if (account.balance < netFee) return undefined
      account.balance -= netFee
    }

    const feeLimit = BigInt(pending.tx.raw_data.fee_limit ?? 0)
    const energyLimit = (feeLimit < account.balance ? feeLimit : account.balance) / this.#energyFee
    const data = creation ? strip(value.new_contract.bytecode ?? '') : value.data ?? ''
    const from = evmForm(owner)
    const base = creation ? EVM_CREATE_BASE : 0n

    let result: EvmResult | undefined
    let energy: bigint
    const probe = creation
      ? await this.evm.deploy(from, prefixed(data), { address: evmForm(callee), dryRun: true })
      : await this.evm.staticCall(from, evmForm(callee), prefixed(data))
    if (probe.success && energyOf(probe.gasUsed, data, base) > energyLimit) {
      energy = energyOf(probe.gasUsed, data, base)
    } else {
      result = creation
        ? await this.evm.deploy(from, prefixed(data), { address: evmForm(callee) })
        : await this.evm.call(from, evmForm(callee), prefixed(data))
      energy = energyOf(result.gasUsed, data, base)
    }

    let code: DoubleTransactionInfo['receipt']['result'] = 'SUCCESS'
    let contractResult = ''
    let logs: DoubleTransactionInfo['log'] = []
    let resMessage: string | undefined
    let energyUsed = energy
    if (energy > energyLimit) {
      // TVM spends all the energy it was given when it runs out
      energyUsed = energyLimit
      code = 'OUT_OF_ENERGY'
      resMessage = `Not enough energy for 'contract call' executing: needEnergy[${energy}], leftEnergy[${energyLimit}];`
    } else if (result !== undefined && !result.success) {
      code = 'REVERT'
      contractResult = strip(result.returnData)
      resMessage = 'REVERT opcode executed'
    } else if (result !== undefined) {
      contractResult = strip(result.returnData)
      logs = result.logs.map(logJson)
      if (creation) {
        const created = value.new_contract
        this.#contracts.set(callee, { origin: owner, initCode: strip(created.bytecode ?? '').toLowerCase(), name: created.name ?? '', abi: created.abi?.entrys ?? [] })
      }
    }
    const energyFee = energyUsed * this.#energyFee
    account.balance -= energyFee

    const receipt: DoubleTransactionInfo['receipt'] = { result: code }
    if (energyFee > 0n) receipt.energy_fee = energyFee
    if (energyUsed > 0n) receipt.energy_usage_total = energyUsed
    if (netUsage > 0) receipt.net_usage = netUsage
    if (netFee > 0n) receipt.net_fee = netFee
    const info: DoubleTransactionInfo = { id: pending.txid, blockNumber: number, blockTimeStamp: timestamp, contractResult: [contractResult], contract_address: callee, receipt }
    if (netFee + energyFee > 0n) info.fee = netFee + energyFee
    if (logs.length > 0) info.log = logs
    if (resMessage !== undefined) {
      info.result = 'FAILED'
      info.resMessage = utf8Hex(resMessage)
    }
    return info
  }

  // ─── lookups ──────────────────────────────────────────────────────────────────────────────

  #infoJson (txid: unknown, limit: number): Json {
    const id = strip(String(txid ?? '')).toLowerCase()
    const entry = this.#txs.get(id)
    if (entry === undefined || entry.info.blockNumber > limit) return {}
    if (this.hostile === 'otherInfo') {
      const other = [...this.#txs.values()].reverse().find(e => e.tx.txID !== id && e.info.blockNumber <= limit)
      if (other !== undefined) return other.info as unknown as Json
    }
    if (this.hostile === 'createdElsewhere' && entry.tx.raw_data.contract[0]?.type === 'CreateSmartContract') {
      const elsewhere = [...this.#contracts.keys()].find(address => address !== entry.info.contract_address)
      if (elsewhere !== undefined) return { ...entry.info, contract_address: elsewhere } as unknown as Json
    }
    if (this.hostile === 'garbledInfo') return { ...entry.info, fee: 'lots', log: 'ChequeCashed' } as unknown as Json
    return entry.info as unknown as Json
  }

  #txJson (txid: unknown, limit: number): Json {
    const entry = this.#txs.get(strip(String(txid ?? '')).toLowerCase())
    if (entry === undefined || entry.info.blockNumber > limit) return {}
    return { ret: [{ contractRet: entry.info.receipt.result }], signature: entry.tx.signature, txID: entry.tx.txID, raw_data: entry.tx.raw_data, raw_data_hex: entry.tx.raw_data_hex }
  }

  async #exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => {})
    return await run
  }
}

class InvalidParameter extends Error {}

/** The `{ result: { code, message } }` java-tron's trigger servlets answer on failure (message hex). */
function failure (code: string, message: string): Json {
  return { result: { code, message: utf8Hex(message) } }
}

function logJson (log: { address: string, topics: string[], data: string }): { address: string, topics: string[], data?: string } {
  const json: { address: string, topics: string[], data?: string } = { address: strip(log.address).toLowerCase(), topics: log.topics.map(t => strip(t).toLowerCase()) }
  const data = strip(log.data).toLowerCase()
  if (data !== '') json.data = data
  return json
}

/** TVM energy for an EVM run: gas less the 21000 intrinsic and the calldata gas (TRON bills bytes as bandwidth). */
function energyOf (gasUsed: bigint, dataHex: string, base = 0n): bigint {
  let calldata = 0n
  const bytes = Buffer.from(strip(dataHex), 'hex')
  for (const b of bytes) calldata += b === 0 ? 4n : 16n
  const energy = gasUsed - 21000n - base - calldata
  return energy > 0n ? energy : 0n
}

/** java-tron's generateContractAddress: 41 ‖ the last 20 bytes of keccak256(txID ‖ owner_address (21 bytes)). */
function contractAddressOf (txid: string, owner: string): string {
  return '41' + keccakHex(strip(txid) + owner).slice(24)
}

/** An ABI entry as java-tron prints a SmartContract.ABI.Entry: known fields only, enum names capitalised, defaults left out. */
function printAbiEntry (entry: unknown): Json {
  const e = entry as Record<string, unknown>
  const enumName = (v: unknown): string => { const text = String(v).toLowerCase(); return text.charAt(0).toUpperCase() + text.slice(1) }
  const params = (list: unknown): Json[] | undefined => Array.isArray(list) && list.length > 0
    ? list.map(p => { const q = p as Record<string, unknown>; const out: Json = {}; if (q.indexed === true) out.indexed = true; if (typeof q.name === 'string' && q.name !== '') out.name = q.name; if (typeof q.type === 'string' && q.type !== '') out.type = q.type; return out })
    : undefined
  const out: Json = {}
  if (e.anonymous === true) out.anonymous = true
  if (e.constant === true) out.constant = true
  if (typeof e.name === 'string' && e.name !== '') out.name = e.name
  const inputs = params(e.inputs)
  if (inputs !== undefined) out.inputs = inputs
  const outputs = params(e.outputs)
  if (outputs !== undefined) out.outputs = outputs
  if (typeof e.type === 'string' && e.type !== '') out.type = enumName(e.type)
  if (e.payable === true) out.payable = true
  if (typeof e.stateMutability === 'string' && e.stateMutability !== '') out.stateMutability = enumName(e.stateMutability)
  return out
}

function hex41 (address: string): string {
  const hex = tryHex41(address)
  if (hex === undefined) throw new Error(`not a TRON address: ${address}`)
  return hex
}

function tryHex41 (address: unknown): string | undefined {
  if (typeof address !== 'string') return undefined
  if (/^0x[0-9a-f]{40}$/i.test(address)) return '41' + address.slice(2).toLowerCase()
  if (/^41[0-9a-f]{40}$/i.test(address)) return address.toLowerCase()
  if (TronWeb.isAddress(address)) return TronWeb.address.toHex(address).toLowerCase()
  return undefined
}

function evmForm (hex: string): string {
  return '0x' + hex.slice(2)
}

function strip (hex: string): string {
  return hex.replace(/^0x/i, '')
}

function prefixed (hex: string): string {
  return '0x' + strip(hex)
}

function utf8Hex (text: string): string {
  return Buffer.from(text, 'utf8').toString('hex')
}

function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function keccakHex (hex: string): string {
  return strip(utils.ethersUtils.keccak256(Buffer.from(strip(hex), 'hex')))
}

function pbVarint (n: bigint): Buffer {
  const out: number[] = []
  do {
    let byte = Number(n & 0x7fn)
    n >>= 7n
    if (n > 0n) byte |= 0x80
    out.push(byte)
  } while (n > 0n)
  return Buffer.from(out)
}

function pbVarintField (field: number, value: bigint): Buffer {
  return Buffer.concat([pbVarint(BigInt(field << 3)), pbVarint(value)])
}

function pbBytesField (field: number, value: Buffer): Buffer {
  return Buffer.concat([pbVarint(BigInt((field << 3) | 2)), pbVarint(BigInt(value.length)), value])
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** JSON with bigint printed as plain numbers, as java-tron prints int64. */
function reply (res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value, (_key, v: unknown) => typeof v === 'bigint' ? `\u0000big:${v}` : v)
    .replace(/"\\u0000big:(-?\d+)"/g, '$1')
  res.writeHead(200, { 'content-type': 'application/json' }).end(body + '\n')
}
