import type { ContractLifecycle } from '../contracts/lifecycle.js'
import type { ContractRecord } from '../contracts/store.js'
import { contractTypedData, receiptTypedData, type ContractTerms, type Receipt } from '../contracts/terms.js'
import { AppError } from '../errors/index.js'
import type { Network } from '../network/interface.js'
import { propose } from '../network/protocols/contract.js'
import { putShard, type ShardUpload } from '../network/protocols/shard.js'
import type { ShardSink } from '../shards/encoder.js'
import { verifyTypedFast } from '../wallet/typed-verify.js'
import type { Wallet } from '../wallet/wallet.js'
import type { RateLimiter } from './rate.js'
import type { ShardStatus } from './sessions.js'

const timeout = 30_000

/** What the host client needs. */
export interface HostClientComponents {
  network: Network
  wallet: Wallet
  lifecycle: ContractLifecycle
  chainId: number
}

/**
 * The renter's side of a host, over the typed protocol clients: signs and proposes contracts
 * (keeping one only when the host's signature verifies), opens shard uploads, confirms a held
 * shard for a renewal, and checks every receipt against the contract before trusting it.
 */
export class HostClient {
  readonly #c: HostClientComponents

  constructor (components: HostClientComponents) {
    this.#c = components
  }

  /** Proposes `terms` to their host; on acceptance records and returns the signed contract. */
  async sign (terms: ContractTerms, upload: { session: string, index: number }, renews?: string): Promise<ContractRecord> {
    const typed = contractTypedData(terms, this.#c.chainId)
    const renterSignature = await this.#c.wallet.signTyped(typed)
    const hostSignature = await propose(this.#c.network, terms, renterSignature, { signal: AbortSignal.timeout(timeout) })
    if (!verifyTypedFast(typed, hostSignature, terms.host)) throw new AppError('PROTOCOL_ERROR', "the host's contract signature does not verify")
    const now = Date.now()
    const record: ContractRecord = { role: 'renter', terms, renterSignature, hostSignature, state: 'signed', upload, ...(renews !== undefined ? { renews } : {}), created: now, updated: now }
    return await this.#c.lifecycle.create(record)
  }

  /** True when `receipt` is the host's signed receipt for this very contract. */
  verifyReceipt (record: ContractRecord, receipt: Receipt): boolean {
    return receipt.contractId === record.terms.id && receipt.shardCid === record.terms.shardCid &&
      verifyTypedFast(receiptTypedData(receipt, this.#c.chainId), receipt.signature, record.terms.host)
  }

  /** Starts sending the contract's shard: a receipt at once when the host holds it already, else a sink to stream into. */
  async open (record: ContractRecord, status: ShardStatus, limiter: RateLimiter, signal: AbortSignal): Promise<{ receipt: Receipt } | { sink: HostSink }> {
    const opened = await putShard(this.#c.network, record.terms.hostPeer, record.terms.id, record.terms.shardSize, { signal })
    if ('receipt' in opened) return opened
    return { sink: new HostSink(opened.upload, status, limiter) }
  }

  /** Asks the host of a (renewal) contract to confirm it holds the shard; returns its verified receipt. */
  async confirmHeld (record: ContractRecord): Promise<Receipt> {
    const opened = await putShard(this.#c.network, record.terms.hostPeer, record.terms.id, record.terms.shardSize, { signal: AbortSignal.timeout(timeout) })
    if (!('receipt' in opened)) {
      opened.upload.abort(new Error('renewal: the host no longer holds the shard'))
      await this.#c.lifecycle.markFailed('renter', record.terms.id, 'the host no longer holds the shard')
      throw new AppError('PEER_REJECTED', 'the host no longer holds the shard')
    }
    if (!this.verifyReceipt(record, opened.receipt)) throw new AppError('PROTOCOL_ERROR', 'the receipt does not verify')
    return opened.receipt
  }
}

/** One shard's stream to its host, fed by the encoder; a failure drops its bytes so the other shards go on. */
export class HostSink implements ShardSink {
  readonly status: ShardStatus
  readonly #upload: ShardUpload
  readonly #limiter: RateLimiter
  failure?: Error

  constructor (upload: ShardUpload, status: ShardStatus, limiter: RateLimiter) {
    this.#upload = upload
    this.status = status
    this.#limiter = limiter
  }

  async write (bytes: Uint8Array): Promise<void> {
    if (this.failure !== undefined) return
    try {
      await this.#limiter.take(bytes.length)
      // The encoder reuses `bytes` once we return, while the socket may still hold the frames: copy.
      await this.#upload.write(Uint8Array.prototype.slice.call(bytes))
      this.status.bytesSent += bytes.length
    } catch (err) {
      this.fail(err as Error)
    }
  }

  fail (err: Error): void {
    if (this.failure !== undefined) return
    this.failure = err
    this.#upload.abort(err)
  }

  /** The host's receipt once every byte went out (not yet verified). */
  async receipt (): Promise<Receipt> {
    if (this.failure !== undefined) throw this.failure
    return await this.#upload.receipt()
  }
}
