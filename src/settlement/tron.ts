/**
 * The `tron` ChainClient: tronweb against a TRON full node, the renter's vault contract
 * (src/settlement/vault) and the BTT TRC-20 token. The node's Wallet keeps its key: transactions
 * are built by the node (`wallet/triggersmartcontract`) or, for the vault's deployment, by
 * tronweb itself (`createSmartContract`, on the node's reference block), checked byte for byte
 * against the call asked for (tron-verify.ts: the node is not trusted to build them; a mismatch
 * is CHAIN_TX_MISMATCH, logged at warn, nothing signed or broadcast), signed by
 * `wallet.signTransaction` and broadcast with `trx.sendRawTransaction`.
 *
 * A transaction is `pending` after broadcast. It is `settled` only when the solidified
 * transaction info (`walletsolidity/gettransactioninfobyid`, irreversible) shows SUCCESS and the
 * vault emitted the expected event; otherwise it is `failed` with the decoded reason (the
 * revert's Error(string), OUT_OF_ENERGY, a broadcast rejection…). A successful broadcast alone
 * means nothing: reverted calls are mined too and still burn TRX. tron-receipts.ts judges the
 * infos (the node's word, checked against a schema and against what we know).
 */
import type { TronWeb as TronWebClass } from 'tronweb'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import type { Balances, ChainClient, Cheque, TxStatus } from './chain.js'
import { vaultArtifact } from './vault/artifact.js'
import { judgeInfo, type ReceiptContext, type TxKind } from './tron-receipts.js'
import { clip, createdContractAddress, TransactionMismatch, verifyTransaction, type ExpectedTransaction, type UnsignedTransaction } from './tron-verify.js'
import { loadTronWeb, type TronWebModule } from '../wallet/wallet.js'

type Interface = InstanceType<TronWebModule['utils']['ethersUtils']['Interface']>

/** What the client needs of the node's Wallet: its address and a transaction signer (never the key). */
export interface TransactionSigner {
  readonly address: string
  signTransaction: <T extends { txID: string }>(transaction: T) => Promise<T & { signature: string[] }>
}

export interface TronChainInit {
  /** The full node's HTTP API, e.g. https://api.trongrid.io (it also serves walletsolidity/). */
  fullHost: string
  /** TronGrid key, sent as TRON-PRO-API-KEY. */
  apiKey?: string
  /** The BTT TRC-20 contract (base58). */
  token: string
  /** The renter's vault (base58); hosts need none. */
  vault?: string
  /** Most TRX (sun) one transaction may burn; default 100 TRX. */
  feeLimit?: number
  /** The TIP-712 chain id cheques are signed for. */
  chainId: number
  wallet: TransactionSigner
  logger?: Logger
  /** How often deposit() polls for its approve to be mined, and for how long (ms). */
  pollMs?: number
  approveTimeoutMs?: number
  /** The clock (ms) a built transaction's expiration is bounded by; default Date.now (tests give a double's clock). */
  now?: () => number
}

/** Defaults of the optional TronChainInit fields (fee limit in sun, poll interval and approve timeout in ms). */
export const defaultTronChainOptions = { feeLimit: 100_000_000, pollMs: 3000, approveTimeoutMs: 90_000 }

/**
 * The vault's resource settings, set explicitly so that the creation can be checked against them:
 * every caller pays its own energy (100 %), so the issuer never pays for hosts' cash-outs;
 * origin_energy_limit (tronweb's default; java-tron wants > 0) is then never drawn on.
 */
const vaultResources = { consumeUserResourcePercent: 100, originEnergyLimit: 10_000_000 }

/** What `wallet/triggersmartcontract` answers (java-tron's TransactionExtention). */
interface TriggerAnswer { Error?: string, result?: { result?: boolean, code?: string, message?: string }, transaction?: unknown }

/** The TRC-20 functions and events the client uses (Approval settles the approve before a deposit). */
const trc20Abi = [
  { type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'owner', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] },
  { type: 'function', name: 'decimals', stateMutability: 'view', inputs: [], outputs: [{ name: '', type: 'uint8' }] },
  { type: 'function', name: 'allowance', stateMutability: 'view', inputs: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] },
  { type: 'function', name: 'approve', stateMutability: 'nonpayable', inputs: [{ name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' }], outputs: [{ name: '', type: 'bool' }] },
  { type: 'function', name: 'transfer', stateMutability: 'nonpayable', inputs: [{ name: 'to', type: 'address' }, { name: 'value', type: 'uint256' }], outputs: [{ name: '', type: 'bool' }] },
  { type: 'event', name: 'Transfer', anonymous: false, inputs: [{ name: 'from', type: 'address', indexed: true }, { name: 'to', type: 'address', indexed: true }, { name: 'value', type: 'uint256', indexed: false }] },
  { type: 'event', name: 'Approval', anonymous: false, inputs: [{ name: 'owner', type: 'address', indexed: true }, { name: 'spender', type: 'address', indexed: true }, { name: 'value', type: 'uint256', indexed: false }] }
]

/** ChainClient on TRON; see the module comment for the life of a transaction. */
export class TronChainClient implements ChainClient {
  readonly kind = 'tron' as const
  readonly #init: TronChainInit
  readonly #feeLimit: number
  #ready?: Promise<{ tw: TronWebModule, web: TronWebClass, vault: Interface, token: Interface }>
  #tw?: TronWebModule

  /** fullHost as messages and logs name it: without a user:password a URL may carry. */
  readonly #host: string

  constructor (init: TronChainInit) {
    this.#init = init
    this.#feeLimit = init.feeLimit ?? defaultTronChainOptions.feeLimit
    this.#host = withoutCredentials(init.fullHost)
  }

  async check (): Promise<void> {
    const { tw } = await this.#client()
    const { vault, token, chainId, wallet } = this.#init
    if (vault !== undefined) {
      const info = await this.#node('wallet/getcontractinfo', async web => await web.trx.getContractInfo(vault)) as { runtimecode?: string }
      if (info.runtimecode === undefined || info.runtimecode === '') {
        throw new AppError('CONFIG_INVALID', `settlement vault ${vault} is not a contract on ${this.#host}`, { details: { vault } })
      }
      const [separator] = await refusedAs(this.#read('vault', vault, 'domainSeparator', []), `vault ${vault} does not answer domainSeparator(): not a btfs-ts vault`)
      const expected = tw.utils._TypedDataEncoder.hashDomain({ name: 'btfs-ts', version: '1', chainId, verifyingContract: vault })
      if (String(separator).toLowerCase() !== expected.toLowerCase()) {
        throw new AppError('CONFIG_INVALID', `vault ${vault} signs cheques for another domain than {btfs-ts, 1, chainId ${chainId}, ${vault}}: wrong vault address or chainId`, { details: { vault, chainId } })
      }
      const [vaultToken] = await refusedAs(this.#read('vault', vault, 'token', []), `vault ${vault} does not answer token()`)
      if (this.#base58(vaultToken) !== token) {
        throw new AppError('CONFIG_INVALID', `vault ${vault} holds token ${this.#base58(vaultToken)}, not the configured ${token}`, { details: { vault, token } })
      }
      const [issuer] = await refusedAs(this.#read('vault', vault, 'issuer', []), `vault ${vault} does not answer issuer()`)
      if (this.#base58(issuer) !== wallet.address) {
        throw new AppError('CONFIG_INVALID', `vault ${vault} belongs to ${this.#base58(issuer)}, not to this wallet ${wallet.address}`, { details: { vault } })
      }
    }
    const [decimals] = await refusedAs(this.#read('token', token, 'decimals', []), `token ${token} is not a TRC-20 with decimals() on ${this.#host}`)
    if (BigInt(decimals as bigint) !== 18n) {
      throw new AppError('CONFIG_INVALID', `token ${token} has ${decimals} decimals; BTT has 18`, { details: { token, decimals: Number(decimals) } })
    }
    const trx = await this.#trx(wallet.address)
    if (trx < BigInt(this.#feeLimit)) {
      throw new AppError('INSUFFICIENT_TRX', `wallet ${wallet.address} holds ${trx} sun of TRX, less than the fee limit ${this.#feeLimit} sun: send it TRX for the fees`, { details: { address: wallet.address, trx: trx.toString(), feeLimit: this.#feeLimit } })
    }
  }

  async balances (address: string): Promise<Balances> {
    await this.#client()
    const [btt] = await this.#read('token', this.#init.token, 'balanceOf', [this.#evm(address)])
    const balances: Balances = { trx: (await this.#trx(address)).toString(), btt: String(btt) }
    const vault = this.#init.vault
    if (vault !== undefined) {
      const [balance] = await this.#read('vault', vault, 'balance', [])
      const [issuer] = await this.#read('vault', vault, 'issuer', [])
      const [amount, after] = await this.#read('vault', vault, 'withdrawal', []) as [bigint, bigint]
      balances.vault = { address: vault, issuer: this.#base58(issuer), balance: String(balance) }
      if (BigInt(amount) > 0n) balances.vault.withdrawal = { amount: String(amount), after: Number(after) }
    }
    return balances
  }

  async deposit (amount: bigint): Promise<TxStatus> {
    await this.#client()
    const vault = this.#vault()
    const { token } = this.#init
    const [allowance] = await this.#read('token', token, 'allowance', [this.#evm(this.#init.wallet.address), this.#evm(vault)])
    if (BigInt(allowance as bigint) < amount) {
      const approve = await this.#send('token', token, 'approve', [this.#evm(vault), amount])
      if (approve.state === 'failed') return approve
      const approved = await this.#waitMined(approve.txid, 'approve')
      if (approved.state !== 'settled') return { ...approved, reason: `approve of the vault did not go through: ${approved.reason ?? 'not mined in time'}` }
    }
    return await this.#send('vault', vault, 'deposit', [amount])
  }

  async requestWithdrawal (amount: bigint): Promise<TxStatus> {
    return await this.#send('vault', this.#vault(), 'requestWithdrawal', [amount])
  }

  async withdraw (): Promise<TxStatus> {
    return await this.#send('vault', this.#vault(), 'withdraw', [])
  }

  async cash (cheque: Cheque): Promise<TxStatus> {
    await this.#client()
    return await this.#send('vault', cheque.vault, 'cashCheque', [this.#evm(cheque.beneficiary), BigInt(cheque.cumulativePayout), cheque.signature])
  }

  async deployVault (withdrawLockSeconds: number): Promise<TxStatus & { vault?: string }> {
    if (!Number.isSafeInteger(withdrawLockSeconds) || withdrawLockSeconds < 0) {
      throw new AppError('CONFIG_INVALID', `the vault's withdrawal lock must be whole seconds >= 0, got ${withdrawLockSeconds}`, { details: { withdrawLockSeconds } })
    }
    const client = await this.#client()
    const { wallet, token, chainId } = this.#init
    // Our constructor arguments, encoded once: tronweb gets them raw, the check expects them.
    const args = client.vault.encodeDeploy([this.#evm(token), this.#evm(wallet.address), chainId, withdrawLockSeconds]).slice(2)
    const bytecode = vaultArtifact.bytecode.replace(/^0x/, '')
    const built = await this.#node('build Vault deployment', async web => await web.transactionBuilder.createSmartContract({
      abi: vaultArtifact.abi as unknown as NonNullable<Parameters<TronWebClass['transactionBuilder']['createSmartContract']>[0]>['abi'],
      bytecode,
      rawParameter: args,
      feeLimit: this.#feeLimit,
      userFeePercentage: vaultResources.consumeUserResourcePercent,
      originEnergyLimit: vaultResources.originEnergyLimit,
      name: 'Vault'
    }, wallet.address))
    const transaction = this.#verified(built, {
      type: 'CreateSmartContract', call: 'deploy Vault', owner: wallet.address, bytecode: bytecode + args, abi: vaultArtifact.abi,
      name: 'Vault', feeLimit: this.#feeLimit, ...vaultResources
    })
    const vault = createdContractAddress(client.tw, transaction.txID, wallet.address)
    const status = await this.#signAndBroadcast('deploy Vault', transaction, vault)
    return { ...status, vault }
  }

  async status (txid: string, kind: 'cash' | 'deposit' | 'withdraw' | 'deploy'): Promise<TxStatus> {
    const info: unknown = await this.#node('walletsolidity/gettransactioninfobyid', async web => await web.trx.getTransactionInfo(txid))
    return await this.#judge(txid, kind, info)
  }

  async paidOut (vault: string, beneficiary: string): Promise<bigint | undefined> {
    await this.#client()
    const [paid] = await this.#read('vault', vault, 'paidOut', [this.#evm(beneficiary)])
    return BigInt(paid as bigint)
  }

  async vaultIssuer (vault: string): Promise<string | undefined> {
    await this.#client()
    try {
      const [issuer] = await this.#read('vault', vault, 'issuer', [])
      return this.#base58(issuer)
    } catch {
      return undefined // not a vault
    }
  }

  // ─── internals ────────────────────────────────────────────────────────────────────────────

  async #client (): Promise<{ tw: TronWebModule, web: TronWebClass, vault: Interface, token: Interface }> {
    this.#ready ??= loadTronWeb().then(tw => {
      this.#tw = tw
      const headers = this.#init.apiKey === undefined ? undefined : { 'TRON-PRO-API-KEY': this.#init.apiKey }
      let web: TronWebClass
      try {
        web = new tw.TronWeb({ fullHost: this.#init.fullHost, ...(headers === undefined ? {} : { headers }) })
      } catch (err) {
        throw new AppError('CONFIG_INVALID', `settlement fullHost ${this.#host}: ${(err as Error).message}`, { cause: err })
      }
      const { Interface } = tw.utils.ethersUtils
      return { tw, web, vault: new Interface(vaultArtifact.abi as unknown as string[]), token: new Interface(trc20Abi as unknown as string[]) }
    })
    return await this.#ready
  }

  /**
   * Runs a node request. Not reaching the node (or an HTTP error) is CHAIN_UNAVAILABLE; a node
   * that answered but refused (a reverted view call, no such contract) is CHAIN_UNAVAILABLE too,
   * with `details.refusal` set, which check() turns into CONFIG_INVALID.
   */
  async #node<T> (what: string, fn: (web: TronWebClass) => Promise<T>): Promise<T> {
    const { web } = await this.#client()
    try {
      return await fn(web)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      const transport = (err as { isAxiosError?: boolean }).isAxiosError === true
      throw new AppError('CHAIN_UNAVAILABLE', `TRON node ${this.#host} (${what}): ${message}`, { cause: err, ...(transport ? {} : { details: { refusal: message } }) })
    }
  }

  /** A view call; returns the decoded outputs. */
  async #read (abi: 'vault' | 'token', contract: string, name: string, args: unknown[]): Promise<unknown[]> {
    const client = await this.#client()
    const iface = client[abi]
    const fragment = iface.getFunction(name)
    if (fragment === null) throw new Error(`no ${name} in the ${abi} ABI`)
    const parameter = iface.encodeFunctionData(fragment, args).slice(10)
    const result = await this.#node(`${name}()`, async web => await web.transactionBuilder.triggerConstantContract(
      contract, fragment.format('sighash'), { rawParameter: parameter }, [], this.#init.wallet.address))
    const output = result.constant_result?.[0]
    if (output === undefined) throw new AppError('CHAIN_UNAVAILABLE', `TRON node ${this.#host} returned no result for ${name}() on ${contract}`)
    return [...iface.decodeFunctionResult(fragment, '0x' + output)]
  }

  /**
   * Builds (node), checks, signs (wallet) and broadcasts one contract call; pending unless rejected.
   * The node is asked directly rather than through tronweb's triggerSmartContract so that one
   * check, ours (a superset of tronweb's txCheckWithArgs), judges the answer and names the field.
   */
  async #send (abi: 'vault' | 'token', contract: string, name: string, args: unknown[]): Promise<TxStatus> {
    const client = await this.#client()
    const iface = client[abi]
    const fragment = iface.getFunction(name)
    if (fragment === null) throw new Error(`no ${name} in the ${abi} ABI`)
    const data = iface.encodeFunctionData(fragment, args)
    const { wallet } = this.#init
    const { TronWeb } = client.tw
    const request = {
      owner_address: TronWeb.address.toHex(wallet.address), contract_address: TronWeb.address.toHex(contract),
      function_selector: fragment.format('sighash'), parameter: data.slice(10), call_value: 0, fee_limit: this.#feeLimit
    }
    const built = await this.#node(`build ${name}`, async web => {
      const answer = await web.fullNode.request<TriggerAnswer>('wallet/triggersmartcontract', request, 'post')
      if (typeof answer?.Error === 'string') throw new Error(clip(answer.Error, 500))
      if (typeof answer?.result?.message === 'string') throw new Error(clip(`${String(answer.result.code ?? 'refused')}: ${TronWeb.toUtf8(answer.result.message)}`, 500))
      if (answer?.result?.result !== true) throw new Error(`built no ${name} transaction`)
      return answer.transaction
    })
    const transaction = this.#verified(built, {
      type: 'TriggerSmartContract', call: name, owner: wallet.address, contract, data, argNames: fragment.inputs.map(i => i.name), feeLimit: this.#feeLimit
    })
    return await this.#signAndBroadcast(name, transaction, contract)
  }

  /** `built` when it is exactly `expected` (tron-verify.ts); else CHAIN_TX_MISMATCH, logged at warn, nothing signed. */
  #verified (built: unknown, expected: ExpectedTransaction): UnsignedTransaction {
    const { tw } = this.#loaded()
    try {
      return verifyTransaction(tw, built, expected, (this.#init.now ?? Date.now)())
    } catch (err) {
      if (!(err instanceof TransactionMismatch)) throw err
      this.#init.logger?.warn({ call: expected.call, field: err.field, reason: err.message, fullHost: this.#host }, 'refused to sign a transaction the TRON node built')
      throw new AppError('CHAIN_TX_MISMATCH', `TRON node ${this.#host} built a transaction for ${expected.call} other than the one asked for: ${err.message}; nothing was signed or broadcast`,
        { details: { call: expected.call, field: err.field }, cause: err })
    }
  }

  /** Signs (wallet) and broadcasts a checked transaction; pending unless the node rejects it. */
  async #signAndBroadcast (name: string, transaction: UnsignedTransaction, contract: string): Promise<TxStatus> {
    const client = await this.#client()
    const signed = await this.#init.wallet.signTransaction(transaction)
    const broadcast = await this.#node(`broadcast ${name}`, async web => await web.trx.sendRawTransaction(signed as Parameters<TronWebClass['trx']['sendRawTransaction']>[0])) as { result?: boolean, code?: string, message?: string }
    const txid = signed.txID
    if (broadcast.result !== true) {
      // The node's words, kept in the books: bounded.
      let message = ''
      try {
        message = typeof broadcast.message === 'string' ? client.tw.TronWeb.toUtf8(broadcast.message) : ''
      } catch {
        message = String(broadcast.message) // not hex: as it came
      }
      const reason = clip(`${String(broadcast.code ?? 'rejected')}: ${message}`, 500)
      this.#init.logger?.warn({ txid, call: name, reason }, 'broadcast rejected')
      return { txid, state: 'failed', reason }
    }
    this.#init.logger?.info({ txid, call: name, contract }, 'broadcast')
    return { txid, state: 'pending' }
  }

  /** Waits for `txid` to be in a block (unconfirmed info is enough to order the next call). */
  async #waitMined (txid: string, kind: 'approve'): Promise<TxStatus> {
    const deadline = Date.now() + (this.#init.approveTimeoutMs ?? defaultTronChainOptions.approveTimeoutMs)
    for (;;) {
      const info: unknown = await this.#node('wallet/gettransactioninfobyid', async web => await web.trx.getUnconfirmedTransactionInfo(txid))
      const status = await this.#judge(txid, kind, info)
      if (status.state !== 'pending' || Date.now() > deadline) return status
      await new Promise(resolve => setTimeout(resolve, this.#init.pollMs ?? defaultTronChainOptions.pollMs))
    }
  }

  /** The node's info for `txid`, judged by tron-receipts.ts. */
  async #judge (txid: string, kind: TxKind, info: unknown): Promise<TxStatus> {
    const client = await this.#client()
    const context: ReceiptContext = {
      tw: client.tw,
      token: { address: this.#init.token, iface: client.token },
      vaultIface: client.vault,
      ownVault: () => this.#vault(),
      wallet: this.#init.wallet.address,
      fullHost: this.#host,
      code: async address => {
        const contract = await this.#node('wallet/getcontractinfo', async web => await web.trx.getContractInfo(address)) as { runtimecode?: unknown }
        return typeof contract?.runtimecode === 'string' && /^([0-9a-fA-F]{2})+$/.test(contract.runtimecode) ? contract.runtimecode : ''
      },
      ...(this.#init.logger !== undefined ? { logger: this.#init.logger } : {})
    }
    return await judgeInfo(context, txid, kind, info)
  }

  /** tronweb, for the synchronous helpers; every public method awaits #client() first. */
  #loaded (): { tw: TronWebModule } {
    if (this.#tw === undefined) throw new Error('TronChainClient: tronweb used before #client()')
    return { tw: this.#tw }
  }

  async #trx (address: string): Promise<bigint> {
    const sun = await this.#node('walletsolidity/getaccount', async web => await web.trx.getBalance(address))
    return BigInt(sun)
  }

  #vault (): string {
    if (this.#init.vault === undefined) throw new AppError('CONFIG_INVALID', 'this node has no vault (settlement.chain.vault): only a renter deposits and withdraws')
    return this.#init.vault
  }

  /** A TRON address in the 0x 20-byte form the ABI coder takes. */
  #evm (address: string): string {
    const { tw } = this.#loaded()
    return '0x' + tw.TronWeb.address.toHex(address).slice(2)
  }

  /** A decoded ABI address (0x…) as TRON base58. */
  #base58 (address: unknown): string {
    const { tw } = this.#loaded()
    return tw.TronWeb.address.fromHex('41' + String(address).slice(2).toLowerCase())
  }
}

/** A node refusal (the node answered, the call failed) as CONFIG_INVALID with `message`; other errors pass. */
async function refusedAs<T> (call: Promise<T>, message: string): Promise<T> {
  try {
    return await call
  } catch (err) {
    if (err instanceof AppError && err.details?.refusal !== undefined) {
      throw new AppError('CONFIG_INVALID', `${message} (${String(err.details.refusal)})`, { details: err.details, cause: err })
    }
    throw err
  }
}

/** `url` with any userinfo (user:password@) taken out, for messages and logs. */
function withoutCredentials (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.username === '' && parsed.password === '') return url
    parsed.username = ''
    parsed.password = ''
    return parsed.toString()
  } catch {
    return url.replace(/^[^@/]*@/, '')
  }
}
