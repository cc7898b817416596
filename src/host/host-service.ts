import { AppError } from '../errors/index.js'
import { ContractLifecycle } from '../contracts/lifecycle.js'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractTypedData, receiptTypedData, type Receipt } from '../contracts/terms.js'
import type { Logger } from '../logger.js'
import { RemoteRefusal } from '../network/errors.js'
import type { Network } from '../network/interface.js'
import { handleContract, type Proposal } from '../network/protocols/contract.js'
import { handleHostAd } from '../network/protocols/host-ad.js'
import { handleShard, type ShardBody } from '../network/protocols/shard.js'
import { dataFrame } from '../network/credits.js'
import { verifyTypedFast } from '../wallet/typed-verify.js'
import type { Wallet } from '../wallet/wallet.js'
import { hostAdTypedData, hostsKey, type HostAd, type SignedHostAd } from './ad.js'
import type { HostBook } from './book.js'
import { expireContracts } from './expiry.js'
import { checkReservation, checkTerms, reject, type HostSettings } from './proposal.js'
import type { HostRounds } from './rounds.js'
import type { HostShardStore } from './shard-store.js'

export type { HostSettings, RejectCode } from './proposal.js'

export interface HostComponents {
  network: Network
  wallet: Wallet
  contracts: ContractStore
  lifecycle: ContractLifecycle
  book: HostBook
  rounds: HostRounds
  shards: HostShardStore
  logger: Logger
  chainId: number
  settings: HostSettings
  /** ms a shard is kept after its contract ended (host.expiryGrace). */
  expiryGraceMs: number
  /** ms a signed contract waits for its shard before its space is released (host.reservationTimeout). */
  reservationMs: number
  /** Shortest mean challenge interval a contract may sign for (host.minChallengeInterval), ms. */
  minChallengeIntervalMs: number
  /** Persists the changed keys in config.json (a flag like --host stays a flag of this run). */
  saveSettings: (changes: Partial<HostSettings>) => Promise<void>
  /** True when the renter (wallet address) is overdue with its cheques: it is refused service. */
  overdue?: (renter: string) => Promise<boolean>
}

/** How often ended contracts and lapsed reservations are looked for (at most). */
const sweepMs = 60_000
/** Longest a timer may be set for (setTimeout overflows past 2^31 − 1 ms into a 1 ms loop). */
const maxTimer = 2 ** 31 - 1

/**
 * The host role: advertises space (a signed ad served over /btfs-ts/host-ad and provided on the
 * DHT under a well-known key), accepts or rejects contracts, receives shards, and serves shard
 * bytes to the renter of each contract. Every request names a contract and is checked against
 * the in-memory HostBook; the disk is touched only for what a live contract of the asking peer
 * allows. The ad and contract protocols answer NOT_A_HOST while host mode is off.
 */
export class HostService {
  readonly #c: HostComponents
  #settings: HostSettings
  #ad?: SignedHostAd
  #lock: Promise<unknown> = Promise.resolve()
  #settingsQueue: Promise<unknown> = Promise.resolve()
  #timer?: NodeJS.Timeout
  #sweeper?: NodeJS.Timeout
  #provided = false
  #providing = false
  #retry?: NodeJS.Timeout
  #stopped = false
  readonly #inFlight = new Set<string>()

  constructor (components: HostComponents) {
    this.#c = components
    this.#settings = components.settings
  }

  get settings (): HostSettings {
    return this.#settings
  }

  /** Bytes reserved or stored by live host contracts (a shard held under two contracts counts once). */
  get used (): number {
    return this.#c.book.used
  }

  async start (): Promise<void> {
    await this.#c.shards.start()
    for await (const record of this.#c.contracts.list('host')) this.#c.book.set(record)
    // A bad record or a failing disk must not keep a host from starting: the sweep logs and goes on.
    await this.sweep().catch((err: Error) => { this.#c.logger.warn({ err: err.message }, 'sweep at start failed') })
    const { network } = this.#c
    await handleHostAd(network, async () => await this.ad())
    await handleContract(network, async (proposal, peer) => await this.#decide(proposal, peer))
    await handleShard(network, {
      put: async (request, peer) => await this.#put(request.contractId, peer),
      get: async (request, peer) => await this.#get(request, peer),
      has: async (request, peer) => await this.#has(request.contractId, peer)
    })
    network.onPeerConnect(() => { if (this.#settings.enabled && !this.#provided) this.#provide() })
    // The first signature loads tronweb (about a second, more on a busy machine): sign the ad now,
    // so the first renter that asks is not kept waiting past its timeout.
    if (this.#settings.enabled) void this.ad().catch((err: Error) => { this.#c.logger.warn({ err: err.message }, 'could not sign the host ad') })
    this.#schedule()
    // often enough that a lapsed reservation is released within a third of its timeout
    const every = Math.min(sweepMs, Math.max(1000, Math.floor(this.#c.reservationMs / 3)))
    this.#sweeper = setInterval(() => { this.sweep().catch((err: Error) => { this.#c.logger.warn({ err: err.message }, 'sweep failed') }) }, every)
    this.#sweeper.unref()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    clearTimeout(this.#retry)
    clearInterval(this.#sweeper)
    await this.#lock.catch(() => {})
  }

  /**
   * Fails contracts whose shard never came within host.reservationTimeout (their space is
   * released), expires those past their end plus host.expiryGrace, and deletes shards no live
   * contract holds. A record that cannot be handled is logged and skipped.
   */
  async sweep (now = Date.now()): Promise<{ expired: number, lapsed: number, deleted: string[] }> {
    return await this.#exclusive(async () => {
      let lapsed = 0
      for (const entry of [...this.#c.book.all()]) {
        if (entry.state !== 'signed' || now - entry.created <= this.#c.reservationMs || this.#inFlight.has(entry.id)) continue
        try {
          this.#c.book.set(await this.#c.lifecycle.markFailed('host', entry.id, 'the renter never sent the shard'))
          lapsed++
        } catch (err) {
          this.#c.logger.warn({ contract: entry.id, err: (err as Error).message }, 'could not release a lapsed reservation')
        }
      }
      const { expired, deleted } = await expireContracts({ contracts: this.#c.contracts, lifecycle: this.#c.lifecycle, shards: this.#c.shards, logger: this.#c.logger, graceMs: this.#c.expiryGraceMs, now })
      for (const record of expired) {
        this.#c.book.set(record)
        await this.#c.rounds.drop(record.terms.id).catch(() => {})
      }
      if (expired.length > 0 || lapsed > 0) this.#ad = undefined
      if (lapsed > 0) this.#c.logger.info({ lapsed }, 'reservations released: their shards never came')
      return { expired: expired.length, lapsed, deleted }
    })
  }

  /** The current signed ad (re-signed when settings changed or half its lifetime passed). */
  async ad (): Promise<SignedHostAd> {
    if (!this.#settings.enabled) throw new RemoteRefusal('NOT_A_HOST', 'host mode is off')
    const now = Math.floor(Date.now() / 1000)
    if (this.#ad === undefined || this.#ad.ad.expiry - now < this.#settings.adTtl / 2 || this.#ad.ad.free !== this.#free()) {
      const s = this.#settings
      const ad: HostAd = {
        peerId: this.#c.network.peerId,
        address: this.#c.wallet.address,
        price: s.price,
        capacity: s.capacity,
        free: this.#free(),
        minDuration: s.minDuration,
        maxDuration: s.maxDuration,
        collateral: s.collateral,
        expiry: now + s.adTtl
      }
      this.#ad = { ad, signature: await this.#c.wallet.signTyped(hostAdTypedData(ad, this.#c.chainId)) }
    }
    return this.#ad
  }

  /**
   * Applies `changes` (validated by the caller), saves them, re-signs the ad and provides it.
   * Changes apply one at a time, in the order they came: what is on disk is what is in memory.
   */
  async updateSettings (changes: Partial<HostSettings>): Promise<void> {
    const run = this.#settingsQueue.then(async () => {
      const settings = { ...this.#settings, ...changes }
      if (settings.minDuration > settings.maxDuration) throw new AppError('INVALID_PARAMETER', 'host.minDuration is above host.maxDuration')
      await this.#c.saveSettings(changes)
      const wasEnabled = this.#settings.enabled
      this.#settings = settings
      this.#ad = undefined
      if (settings.enabled && !wasEnabled) this.#provided = false
      this.#schedule()
    })
    this.#settingsQueue = run.catch(() => {})
    await run
  }

  #free (): number {
    return Math.max(0, this.#settings.capacity - this.used)
  }

  /** Provides the hosts key now and every reprovideInterval while host mode is on. */
  #schedule (): void {
    clearTimeout(this.#timer)
    if (this.#stopped || !this.#settings.enabled) return
    this.#provide()
    this.#timer = setTimeout(() => { this.#schedule() }, Math.min(maxTimer, Math.max(1000, this.#settings.reprovideInterval * 1000)))
    this.#timer.unref()
  }

  /** Provides the hosts key once; a failure is retried 10 s later (and on the next new peer). */
  #provide (): void {
    if (this.#providing || this.#c.network.connections().length === 0) return
    this.#providing = true
    this.#c.network.provide(hostsKey, { signal: AbortSignal.timeout(30_000) })
      .then(() => { this.#provided = true; this.#c.logger.debug('host ad provided on the DHT') })
      .catch((err: Error) => {
        this.#c.logger.debug({ err: err.message }, 'providing the host ad failed; retrying in 10 s or on the next peer')
        clearTimeout(this.#retry)
        this.#retry = setTimeout(() => { if (!this.#stopped && this.#settings.enabled) this.#provide() }, 10_000)
        this.#retry.unref()
      })
      .finally(() => { this.#providing = false })
  }

  async #exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn)
    this.#lock = run.catch(() => {})
    return await run
  }

  /**
   * A proposal: the cheap checks, the renter's signature (native secp256k1, ~0.1 ms), then under
   * the lock the reservation checks and the durable write. Refusals are RemoteRefusals with a
   * reason code; nothing is written for them.
   */
  async #decide (proposal: Proposal, peer: string): Promise<string> {
    const { terms } = proposal
    checkTerms(terms, {
      settings: this.#settings, address: this.#c.wallet.address, peerId: this.#c.network.peerId, peer,
      minChallengeIntervalMs: this.#c.minChallengeIntervalMs, book: this.#c.book, now: Date.now() / 1000
    })
    if (await this.#c.overdue?.(terms.renter) === true) throw reject('OVERDUE', 'this renter has not paid for storage it was proven to have: no new contracts until it does')
    const typed = contractTypedData(terms, this.#c.chainId)
    if (!verifyTypedFast(typed, proposal.renterSignature, terms.renter)) throw reject('BAD_SIGNATURE', "the renter's signature does not verify")
    const hostSignature = await this.#c.wallet.signTyped(typed)
    await this.#exclusive(async () => {
      checkReservation(terms, { settings: this.#settings, book: this.#c.book })
      const created = Date.now()
      const record: ContractRecord = { role: 'host', terms, renterSignature: proposal.renterSignature, hostSignature, state: 'signed', created, updated: created }
      await this.#c.lifecycle.create(record)
      this.#c.book.set(record)
    })
    this.#ad = undefined
    this.#c.logger.info({ contract: terms.id, size: terms.shardSize, renter: terms.renterPeer }, 'contract signed')
    return hostSignature
  }

  /** The live contract `id` of `peer`; NOT_FOUND for anything else (another peer's contract included). */
  async #contractOf (id: string, peer: string): Promise<ContractRecord> {
    const entry = this.#c.book.get(id)
    if (entry === undefined || entry.renterPeer !== peer || entry.state === 'failed' || entry.state === 'expired') {
      throw new RemoteRefusal('NOT_FOUND', 'no such contract of yours on this host')
    }
    const record = await this.#c.contracts.get('host', id)
    if (record === undefined) throw new RemoteRefusal('NOT_FOUND', 'no such contract of yours on this host')
    return record
  }

  async #signReceipt (record: ContractRecord): Promise<Receipt> {
    const t = record.terms
    const unsigned = { contractId: t.id, shardCid: t.shardCid, storedAt: Math.floor(Date.now() / 1000) }
    const receipt: Receipt = { ...unsigned, signature: await this.#c.wallet.signTyped(receiptTypedData(unsigned, this.#c.chainId)) }
    const stored = await this.#c.lifecycle.markStored('host', t.id, receipt)
    this.#c.book.set(stored)
    return stored.receipt ?? receipt
  }

  async #put (contractId: string, peer: string): Promise<{ receipt: Receipt } | { size: number, receive: (body: ShardBody) => Promise<Receipt>, done: () => void }> {
    const record = await this.#contractOf(contractId, peer)
    if (record.state === 'stored' && record.receipt !== undefined) return { receipt: record.receipt }
    if (this.#inFlight.has(contractId)) throw new RemoteRefusal('BUSY', 'this shard is already being uploaded')
    const t = record.terms
    // A shard this host already holds (verified when it came, self-checked since) is not sent
    // again: a renewal, or a second contract for the same bytes, is signed for at once.
    if (await this.#c.shards.size(t.shardCid) === t.shardSize) return { receipt: await this.#signReceipt(record) }
    this.#inFlight.add(contractId)
    return {
      size: t.shardSize,
      receive: async (body: ShardBody): Promise<Receipt> => {
        await this.#c.shards.receive({ contractId, cid: t.shardCid, size: t.shardSize, merkleRoot: t.merkleRoot, leafSize: t.leafSize }, body)
        const receipt = await this.#signReceipt(record)
        this.#c.logger.info({ contract: contractId, cid: t.shardCid }, 'shard stored')
        return receipt
      },
      done: () => { this.#inFlight.delete(contractId) }
    }
  }

  async #get (request: { contractId: string, offset?: number, length?: number }, peer: string): Promise<{ size: number, frames: AsyncIterable<Uint8Array> }> {
    const record = await this.#contractOf(request.contractId, peer)
    if (await this.#c.overdue?.(record.terms.renter) === true) throw new RemoteRefusal('OVERDUE', 'this renter is overdue with its cheques: reads are refused until it pays')
    const t = record.terms
    const size = await this.#c.shards.size(t.shardCid)
    if (size !== t.shardSize) throw new RemoteRefusal('NOT_FOUND', 'this host does not hold that shard')
    const offset = request.offset ?? 0
    const length = request.length ?? size - offset
    if (offset + length > size) throw new RemoteRefusal('RANGE_NOT_SATISFIABLE', `range ${offset}+${length} is outside the shard's ${size} bytes`)
    return { size: length, frames: readFrames(this.#c.shards, t.shardCid, offset, length) }
  }

  async #has (contractId: string, peer: string): Promise<{ has: boolean, size: number }> {
    const record = await this.#contractOf(contractId, peer)
    const size = await this.#c.shards.size(record.terms.shardCid)
    return { has: size === record.terms.shardSize, size: size ?? 0 }
  }
}

/**
 * The range in data frames, one read ahead; each frame a fresh buffer (the socket may still hold
 * the last). The file is opened on the first pull, so a stream that ends before it leaks nothing.
 */
async function * readFrames (shards: HostShardStore, cid: string, offset: number, length: number): AsyncGenerator<Uint8Array> {
  const handle = await shards.open(cid)
  if (handle === undefined) throw new AppError('NOT_FOUND', 'the shard file is gone')
  try {
    const readAt = async (at: number): Promise<Buffer> => {
      const buffer = Buffer.allocUnsafeSlow(Math.min(dataFrame, length - at))
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset + at)
      if (bytesRead !== buffer.length) throw new AppError('INTERNAL', 'shard file shrank while being read')
      return buffer
    }
    let next = length > 0 ? readAt(0) : undefined
    for (let at = 0; next !== undefined;) {
      const frame = await next
      at += frame.length
      next = at < length ? readAt(at) : undefined
      next?.catch(() => {})
      yield frame
    }
  } finally {
    await handle.close()
  }
}
