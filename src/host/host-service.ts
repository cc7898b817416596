import type { Connection, Stream } from '@libp2p/interface'
import { AppError } from '../errors/index.js'
import type { Config } from '../config/index.js'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractAmount, contractTypedData, malformedTerms, receiptTypedData, type ContractTerms, type Receipt } from '../contracts/terms.js'
import type { Logger } from '../logger.js'
import { Channel, CreditReceiver, CreditSender, dataFrame, protocols } from '../network/framing.js'
import type { Network } from '../network/network.js'
import { verifyTyped, type Wallet } from '../wallet/wallet.js'
import { hostAdTypedData, hostsKey, type HostAd, type SignedHostAd } from './ad.js'
import type { HostShardStore } from './shard-store.js'
import { expireContracts } from './expiry.js'

export type HostSettings = Config['host']

/** Why a host turned a proposal down: a stable code the renter can act on. */
export type RejectCode = 'NOT_A_HOST' | 'PRICE_TOO_LOW' | 'NO_CAPACITY' | 'DURATION_OUT_OF_RANGE' | 'BAD_SIGNATURE' | 'BAD_TERMS' | 'DUPLICATE' | 'OVERDUE'

class Rejection extends Error {
  readonly code: RejectCode
  constructor (code: RejectCode, message: string) {
    super(message)
    this.code = code
  }
}

export interface HostComponents {
  network: Network
  wallet: Wallet
  contracts: ContractStore
  shards: HostShardStore
  logger: Logger
  chainId: number
  settings: HostSettings
  /** ms a shard is kept after its contract ended (host.expiryGrace). */
  expiryGraceMs: number
  /** Persists the changed keys in config.json (a flag like --host stays a flag of this run). */
  saveSettings: (changes: Partial<HostSettings>) => Promise<void>
  /** True when the renter (wallet address or peer id) is overdue with its cheques: it is refused service. */
  overdue?: (renter: { address?: string, peer?: string }) => Promise<boolean>
}

/** Seconds a proposal's start may differ from the host's clock. */
const clockSkew = 600
/** A contract signed but never filled for this long releases its reservation. */
const reservationMs = 24 * 3600 * 1000
const messageTimeout = 30_000
/** How often ended contracts are looked for. */
const expirySweepMs = 60_000

/**
 * The host role: advertises space (a signed ad served over /btfs-ts/host-ad and provided on the
 * DHT under a well-known key), accepts or rejects contracts, receives shards, and serves shard
 * bytes. The shard protocol is served by every node (a renter answers "not found"); the ad and
 * contract protocols answer NOT_A_HOST while host mode is off.
 */
export class HostService {
  readonly #c: HostComponents
  #settings: HostSettings
  /** Shards held or reserved under live contracts: cid → size and how many contracts. */
  readonly #held = new Map<string, { size: number, contracts: number }>()
  #ad?: SignedHostAd
  #lock: Promise<unknown> = Promise.resolve()
  #settingsQueue: Promise<void> = Promise.resolve()
  #timer?: NodeJS.Timeout
  #sweeper?: NodeJS.Timeout
  #provided = false
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
    let used = 0
    for (const { size } of this.#held.values()) used += size
    return used
  }

  #hold (terms: ContractTerms): void {
    const held = this.#held.get(terms.shardCid)
    if (held === undefined) this.#held.set(terms.shardCid, { size: terms.shardSize, contracts: 1 })
    else held.contracts++
  }

  #release (terms: ContractTerms): void {
    const held = this.#held.get(terms.shardCid)
    if (held !== undefined && --held.contracts <= 0) this.#held.delete(terms.shardCid)
  }

  async start (): Promise<void> {
    await this.#c.shards.start()
    const now = Date.now()
    for await (const record of this.#c.contracts.list('host')) {
      if (record.state === 'signed' && now - record.created > reservationMs) {
        await this.#c.contracts.put({ ...record, state: 'failed', error: 'the renter never sent the shard' })
        continue
      }
      if (record.state === 'signed' || record.state === 'stored') this.#hold(record.terms)
    }
    await this.sweep()
    const { libp2p } = this.#c.network
    await libp2p.handle(protocols.hostAd, (stream, conn) => { this.#serve(stream, conn, async ch => { await this.#serveAd(ch) }) })
    await libp2p.handle(protocols.contract, (stream, conn) => { this.#serve(stream, conn, async ch => { await this.#serveContract(ch, conn) }) })
    await libp2p.handle(protocols.shard, (stream, conn) => { this.#serve(stream, conn, async ch => { await this.#serveShard(ch, conn) }) }, { maxInboundStreams: 256 })
    libp2p.addEventListener('peer:connect', () => { if (this.#settings.enabled && !this.#provided) this.#provide() })
    this.#schedule()
    this.#sweeper = setInterval(() => { this.sweep().catch((err: Error) => { this.#c.logger.warn({ err: err.message }, 'expiry sweep failed') }) }, expirySweepMs)
    this.#sweeper.unref()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    clearInterval(this.#sweeper)
  }

  /** Expires contracts past their end plus host.expiryGrace and deletes shards none holds. */
  async sweep (now = Date.now()): Promise<{ expired: number, deleted: string[] }> {
    return await this.#exclusive(async () => {
      const { expired, deleted } = await expireContracts({ contracts: this.#c.contracts, shards: this.#c.shards, logger: this.#c.logger, graceMs: this.#c.expiryGraceMs, now })
      for (const record of expired) this.#release(record.terms)
      if (expired.length > 0) this.#ad = undefined
      return { expired: expired.length, deleted }
    })
  }

  /** The current signed ad (re-signed when settings changed or half its lifetime passed). */
  async ad (): Promise<SignedHostAd> {
    if (!this.#settings.enabled) throw new AppError('NOT_A_HOST')
    const now = Math.floor(Date.now() / 1000)
    if (this.#ad === undefined || this.#ad.ad.expiry - now < this.#settings.adTtl / 2 || this.#ad.ad.free !== this.#free()) {
      const s = this.#settings
      const ad: HostAd = {
        peerId: this.#c.network.peerId.toString(),
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
   * Calls run one at a time, in call order, so the settings in memory and those saved in
   * config.json go through the same sequence and end equal.
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
    this.#timer = setTimeout(() => { this.#schedule() }, this.#settings.reprovideInterval * 1000)
    this.#timer.unref()
  }

  #provide (): void {
    if (this.#c.network.libp2p.getConnections().length === 0) return
    this.#c.network.libp2p.contentRouting.provide(hostsKey, { signal: AbortSignal.timeout(30_000) })
      .then(() => { this.#provided = true; this.#c.logger.debug('host ad provided on the DHT') })
      .catch((err: Error) => { this.#c.logger.debug({ err: err.message }, 'providing the host ad failed; retrying on the next peer or interval') })
  }

  #serve (stream: Stream, conn: Connection, handler: (ch: Channel) => Promise<void>): void {
    const ch = new Channel(stream)
    handler(ch).then(async () => { await ch.close() }, async (err: Error) => {
      this.#c.logger.debug({ peer: conn.remotePeer.toString(), protocol: stream.protocol, err: err.message }, 'protocol handler failed')
      const code = err instanceof AppError ? err.code : 'INTERNAL'
      await ch.send({ ok: false, code, message: err instanceof AppError ? err.message : 'internal error' }).catch(() => {})
      await ch.close()
    })
  }

  async #serveAd (ch: Channel): Promise<void> {
    if (!this.#settings.enabled) {
      await ch.send({ ok: false, code: 'NOT_A_HOST', message: 'host mode is off' })
      return
    }
    await ch.send({ ok: true, ...await this.ad() })
  }

  async #serveContract (ch: Channel, conn: Connection): Promise<void> {
    const message = await ch.receive<{ type?: string, terms?: ContractTerms, renterSignature?: string }>({ signal: AbortSignal.timeout(messageTimeout) })
    try {
      const record = await this.#exclusive(async () => await this.#accept(message, conn))
      await ch.send({ type: 'accept', hostSignature: record.hostSignature })
    } catch (err) {
      if (!(err instanceof Rejection)) throw err
      this.#c.logger.info({ peer: conn.remotePeer.toString(), code: err.code, reason: err.message }, 'contract rejected')
      await ch.send({ type: 'reject', code: err.code, message: err.message })
    }
  }

  async #exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn)
    this.#lock = run.catch(() => {})
    return await run
  }

  async #accept (message: { type?: string, terms?: ContractTerms, renterSignature?: string }, conn: Connection): Promise<ContractRecord> {
    const s = this.#settings
    if (!s.enabled) throw new Rejection('NOT_A_HOST', 'host mode is off')
    if (message.type !== 'propose' || typeof message.renterSignature !== 'string') throw new Rejection('BAD_TERMS', 'expected a signed proposal')
    const bad = malformedTerms(message.terms)
    if (bad !== undefined) throw new Rejection('BAD_TERMS', bad)
    const terms = message.terms as ContractTerms
    if (terms.host !== this.#c.wallet.address || terms.hostPeer !== this.#c.network.peerId.toString()) throw new Rejection('BAD_TERMS', 'the proposal names another host')
    if (terms.renterPeer !== conn.remotePeer.toString()) throw new Rejection('BAD_TERMS', 'renterPeer is not the peer proposing')
    if (BigInt(terms.price) < BigInt(s.price)) throw new Rejection('PRICE_TOO_LOW', `price ${terms.price} is below this host's ${s.price} per GiB-month`)
    if (BigInt(terms.amount) !== contractAmount(BigInt(terms.price), terms.shardSize, terms.duration)) throw new Rejection('BAD_TERMS', 'amount is not price × size × duration')
    if (terms.duration < s.minDuration || terms.duration > s.maxDuration) throw new Rejection('DURATION_OUT_OF_RANGE', `duration ${terms.duration} days is outside ${s.minDuration}–${s.maxDuration}`)
    // A renewal starts when the contract it continues ends: later than now, never before it.
    const now = Date.now() / 1000
    if (terms.start < now - clockSkew || terms.start > now + clockSkew + s.maxDuration * 86400) throw new Rejection('BAD_TERMS', 'start is too far from now')
    if (!this.#held.has(terms.shardCid) && terms.shardSize > this.#free()) throw new Rejection('NO_CAPACITY', `${terms.shardSize} bytes do not fit in ${this.#free()} free`)
    if (await this.#c.contracts.get('host', terms.id) !== undefined) throw new Rejection('DUPLICATE', 'a contract with this id exists')
    if (await this.#c.overdue?.({ address: terms.renter }) === true) throw new Rejection('OVERDUE', 'this renter has not paid for storage it was proven to have: no new contracts until it does')
    const typed = contractTypedData(terms, this.#c.chainId)
    if (!await verifyTyped(typed, message.renterSignature, terms.renter)) throw new Rejection('BAD_SIGNATURE', "the renter's signature does not verify")
    const created = Date.now()
    const record: ContractRecord = {
      role: 'host', terms, renterSignature: message.renterSignature, hostSignature: await this.#c.wallet.signTyped(typed), state: 'signed', created, updated: created
    }
    await this.#c.contracts.put(record)
    this.#hold(terms)
    this.#c.logger.info({ contract: terms.id, size: terms.shardSize, renter: terms.renterPeer }, 'contract signed')
    return record
  }

  async #serveShard (ch: Channel, conn: Connection): Promise<void> {
    const msg = await ch.receive<{ op?: string, contractId?: string, cid?: string, offset?: number, length?: number }>({ signal: AbortSignal.timeout(messageTimeout) })
    if (msg.op === 'put' && typeof msg.contractId === 'string') { await this.#receiveShard(ch, conn, msg.contractId); return }
    if (typeof msg.cid !== 'string') throw new AppError('PROTOCOL_ERROR', 'expected op put, get or has')
    const size = await this.#c.shards.size(msg.cid).catch(() => undefined)
    if (msg.op === 'has') { await ch.send({ ok: true, has: size !== undefined, size: size ?? 0 }); return }
    if (msg.op !== 'get') throw new AppError('PROTOCOL_ERROR', `unknown op ${String(msg.op)}`)
    if (await this.#c.overdue?.({ peer: conn.remotePeer.toString() }) === true) throw new AppError('OVERDUE', 'this renter is overdue with its cheques: reads are refused until it pays')
    if (size === undefined) { await ch.send({ ok: false, code: 'NOT_FOUND', message: 'this node does not hold that shard' }); return }
    const offset = msg.offset ?? 0
    const length = msg.length ?? size - offset
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
      throw new AppError('RANGE_NOT_SATISFIABLE', `range ${offset}+${length} is outside the shard's ${size} bytes`)
    }
    const handle = await this.#c.shards.open(msg.cid)
    if (handle === undefined) { await ch.send({ ok: false, code: 'NOT_FOUND', message: 'this node does not hold that shard' }); return }
    try {
      await ch.send({ ok: true, size: length })
      // A frame stays referenced by the socket after write() resolves: each read gets a fresh buffer.
      const readAt = async (at: number): Promise<Buffer> => {
        const buffer = Buffer.allocUnsafeSlow(Math.min(dataFrame, length - at))
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset + at)
        if (bytesRead !== buffer.length) throw new AppError('INTERNAL', 'shard file shrank while being read')
        return buffer
      }
      const sender = new CreditSender(ch)
      let next = length > 0 ? readAt(0) : undefined
      for (let at = 0; next !== undefined;) {
        const frame = await next
        at += frame.length
        next = at < length ? readAt(at) : undefined
        await sender.write(frame, { signal: AbortSignal.timeout(messageTimeout) })
      }
    } finally {
      await handle.close()
    }
  }

  async #receiveShard (ch: Channel, conn: Connection, contractId: string): Promise<void> {
    const record = await this.#c.contracts.get('host', contractId)
    if (record === undefined || record.state === 'failed' || record.state === 'expired') throw new AppError('NOT_FOUND', 'no such contract on this host')
    if (record.terms.renterPeer !== conn.remotePeer.toString()) throw new AppError('PROTOCOL_ERROR', 'only the renter of a contract may upload its shard')
    if (record.state === 'stored' && record.receipt !== undefined) {
      await ch.send({ ok: true, receipt: record.receipt })
      return
    }
    if (this.#inFlight.has(contractId)) throw new AppError('PROTOCOL_ERROR', 'this shard is already being uploaded')
    this.#inFlight.add(contractId)
    try {
      const t = record.terms
      // A shard this host already holds (verified when it came, self-checked since) is not sent
      // again: a renewal, or a second contract for the same bytes, is signed for at once.
      const have = await this.#c.shards.size(t.shardCid)
      if (have !== t.shardSize) {
        await ch.send({ ok: true, ready: true })
        const receiver = new CreditReceiver(ch)
        await this.#c.shards.receive({ contractId, cid: t.shardCid, size: t.shardSize, merkleRoot: t.merkleRoot, leafSize: t.leafSize }, {
          read: async () => await receiver.read({ signal: AbortSignal.timeout(messageTimeout) }),
          consumed: async bytes => { await receiver.consumed(bytes) }
        })
      }
      const unsigned = { contractId, shardCid: t.shardCid, storedAt: Math.floor(Date.now() / 1000) }
      const receipt: Receipt = { ...unsigned, signature: await this.#c.wallet.signTyped(receiptTypedData(unsigned, this.#c.chainId)) }
      await this.#c.contracts.put({ ...record, state: 'stored', receipt })
      this.#c.logger.info({ contract: contractId, cid: t.shardCid }, 'shard stored')
      await ch.send({ ok: true, receipt })
    } finally {
      this.#inFlight.delete(contractId)
    }
  }
}
