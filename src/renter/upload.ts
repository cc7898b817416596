import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractAmount, contractEnd, contractTypedData, newContractId, receiptTypedData, type ContractTerms, type Receipt } from '../contracts/terms.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import { Channel, CreditSender, dataFrame, protocols } from '../network/framing.js'
import type { Network } from '../network/network.js'
import type { Manifest } from '../shards/manifest.js'
import type { FilesService } from '../files/files-service.js'
import type { OpenedFile } from '../unixfs/reader.js'
import type { ShardService } from '../shards/service.js'
import type { ShardSink } from '../shards/encoder.js'
import type { Bucket, Datastore } from '../store/index.js'
import { verifyTyped, type Wallet } from '../wallet/wallet.js'
import { HostDirectory, type KnownHost } from './directory.js'
import { RateLimiter } from './rate.js'

export type ShardState = 'pending' | 'contracted' | 'sending' | 'stored' | 'failed'
export type UploadState = 'preparing' | 'contracting' | 'uploading' | 'complete' | 'repairing' | 'failed'

/** One shard of an upload, as GET /storage/upload/:id shows it. */
export interface ShardStatus {
  index: number
  cid: string
  size: number
  host?: string
  contractId?: string
  state: ShardState
  bytesSent: number
  attempts: number
  error?: string
}

/** A repair of some shards of a file, as the file's history shows it. */
export interface RepairRecord {
  /** unix ms */
  started: number
  finished?: number
  /** When the first of the lost shards' contracts failed (or ended unrenewed), unix ms. */
  lostAt: number
  /** The shards rebuilt, with the hosts and contracts that lost them. */
  lost: Array<{ index: number, host?: string, contract?: string }>
  /** Where the shard bytes came from: the local copy, or k shards fetched from hosts. */
  source?: 'local' | 'hosts'
  /** The hosts that took the rebuilt shards. */
  hosts: string[]
  ok?: boolean
  error?: string
  /** From the start of the repair to the last receipt. */
  ms?: number
  /** From `lostAt` to the last receipt: how long the file had fewer shards than it should. */
  timeToRepairMs?: number
}

/** A renewal attempt that failed (the last few are kept). */
export interface RenewalFailure {
  at: number
  index: number
  contract: string
  host: string
  error: string
}

/** An upload session, persisted (bucket uploads) so that a restarted renter resumes it. */
export interface UploadSession {
  id: string
  root: string
  manifest?: string
  k: number
  m: number
  duration: number
  maxPrice: string
  state: UploadState
  shards: ShardStatus[]
  /** Things the user should know, e.g. that some hosts hold more than one shard. */
  notes: string[]
  /** Repairs of this file's shards, oldest first. */
  repairs?: RepairRecord[]
  /** Renewals that failed recently (a failed one is retried, then the shard moves at expiry). */
  renewalFailures?: RenewalFailure[]
  error?: string
  created: number
  updated: number
}

export interface UploadRequest {
  root: CID
  k?: number
  m?: number
  duration?: number
  maxPrice?: bigint
}

export interface UploadComponents {
  network: Network
  wallet: Wallet
  contracts: ContractStore
  shards: ShardService
  files: FilesService
  directory: HostDirectory
  /** The file of `manifest` rebuilt from k shards on hosts (repairs when the local copy is gone). */
  fromHosts: (manifest: Manifest, signal: AbortSignal) => Promise<OpenedFile>
  datastore: Datastore
  logger: Logger
  chainId: number
  defaults: { k: number, m: number, duration: number, maxPrice: string, maxAttempts: number, uploadRate: number }
}

const timeout = 30_000
/** A challenge every hour, of 8 leaves (the proofs issue uses the policy). */
const challengePolicy = { challengeInterval: 3600, challengeLeaves: 8 }

/** Drops the bytes of a failed shard so the other shards go on. */
class HostSink implements ShardSink {
  readonly status: ShardStatus
  readonly #ch: Channel
  readonly #sender: CreditSender
  readonly #limiter: RateLimiter
  failure?: Error

  constructor (ch: Channel, status: ShardStatus, limiter: RateLimiter) {
    this.#ch = ch
    this.#sender = new CreditSender(ch)
    this.status = status
    this.#limiter = limiter
  }

  async write (bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length && this.failure === undefined; at += dataFrame) {
      // The encoder reuses `bytes` once we return, while the socket may still hold the frame: copy.
      const frame = Uint8Array.prototype.slice.call(bytes, at, Math.min(bytes.length, at + dataFrame))
      try {
        await this.#limiter.take(frame.length)
        await this.#sender.write(frame, { signal: AbortSignal.timeout(timeout) })
        this.status.bytesSent += frame.length
      } catch (err) {
        this.fail(err as Error)
      }
    }
  }

  fail (err: Error): void {
    if (this.failure !== undefined) return
    this.failure = err
    this.#ch.abort(err)
  }

  async receipt (): Promise<{ ok?: boolean, code?: string, message?: string, receipt?: Receipt }> {
    if (this.failure !== undefined) throw this.failure
    return await this.#sender.receive({ signal: AbortSignal.timeout(120_000) })
  }
}

/**
 * The renter's uploads: prepare the manifest (every shard's CID and Merkle root), sign one
 * contract per shard with hosts found by the directory, then stream the shards to their hosts
 * straight out of the encoder (bounded memory; the slowest host sets the pace). A host that
 * fails is replaced and only its shards are streamed again; sessions are persisted at every
 * step, so a restarted renter resumes where it stopped.
 */
export class UploadService {
  readonly #c: UploadComponents
  readonly #bucket: Bucket<string, UploadSession>
  readonly #live = new Map<string, UploadSession>()
  readonly #running = new Map<string, Promise<void>>()
  readonly #limiter: RateLimiter
  readonly #abort = new AbortController()

  constructor (components: UploadComponents) {
    this.#c = components
    this.#bucket = components.datastore.bucket<string, UploadSession>('uploads', 'utf8', 'json')
    this.#limiter = new RateLimiter(components.defaults.uploadRate)
  }

  /** Resumes every unfinished session (and repair). */
  async start (): Promise<void> {
    for await (const session of this.#bucket.values()) {
      if (session.state === 'complete' || session.state === 'failed') continue
      const repair = session.state === 'repairing' ? session.repairs?.find(r => r.finished === undefined) : undefined
      this.#c.logger.info({ upload: session.id, root: session.root, repair: repair !== undefined }, 'resuming upload')
      this.#launch(session, repair)
    }
  }

  /**
   * Rebuilds the shards `lost` of the complete session `id` and stores them on new hosts: the
   * bytes come from the local copy when the node still has the file, otherwise from k shards
   * fetched from the hosts that still hold theirs (decoded, then encoded again with the same key
   * and file id, so the rebuilt shards have the same CIDs and Merkle roots). The repair is
   * recorded in the session. Returns false when the session is busy or not complete.
   */
  async repair (id: string, lost: RepairRecord['lost'], lostAt: number): Promise<boolean> {
    if (this.#running.has(id) || this.#abort.signal.aborted) return false
    const session = await this.#bucket.get(id)
    if (session?.state !== 'complete') return false
    for (const { index } of lost) {
      const shard = session.shards[index]
      if (shard === undefined) throw new AppError('INTERNAL', `session ${id} has no shard ${index}`)
      Object.assign(shard, { state: 'pending', attempts: 0, bytesSent: 0, error: undefined })
    }
    const repair: RepairRecord = { started: Date.now(), lostAt, lost, hosts: [] }
    session.repairs = [...(session.repairs ?? []).slice(-19), repair]
    session.state = 'repairing'
    await this.#save(session)
    this.#c.logger.warn({ upload: id, root: session.root, shards: lost.map(l => l.index) }, 'repairing lost shards')
    this.#launch(session, repair)
    return true
  }

  /**
   * Renews `old` (a stored renter contract) with the same host: a new contract for the same shard
   * starting when `old` ends, for the session's duration. The host holds the shard already, so it
   * signs a receipt without receiving it again. Failures are recorded in the session (the repair
   * service moves the shard to another host if the contract ends unrenewed).
   */
  async renew (old: ContractRecord): Promise<ContractRecord | undefined> {
    const sessionId = old.upload?.session
    const session = sessionId === undefined ? undefined : await this.#bucket.get(sessionId)
    if (session === undefined || old.upload === undefined || this.#running.has(session.id)) return undefined
    const index = old.upload.index
    try {
      const known = (await this.#c.directory.list()).find(h => h.peerId === old.terms.hostPeer)
      const price = known !== undefined && BigInt(known.ad.price) > BigInt(old.terms.price) ? known.ad.price : old.terms.price
      if (BigInt(price) > BigInt(session.maxPrice)) throw new AppError('NO_HOSTS', `the host now asks ${price}, above the session's maximum ${session.maxPrice}`)
      const start = contractEnd(old.terms)
      const terms: ContractTerms = {
        ...old.terms,
        id: newContractId(),
        start,
        duration: session.duration,
        price,
        amount: contractAmount(BigInt(price), old.terms.shardSize, session.duration).toString()
      }
      const signed = await this.#sign(terms, { session: session.id, index }, old.terms.id)
      const receipt = await this.#confirmHeld(signed)
      const stored: ContractRecord = { ...signed, state: 'stored', receipt }
      await this.#c.contracts.put(stored)
      await this.#c.contracts.put({ ...old, renewedBy: terms.id })
      this.#c.logger.info({ upload: session.id, shard: index, host: terms.hostPeer, contract: terms.id, until: contractEnd(terms) }, 'contract renewed')
      return stored
    } catch (err) {
      const failure: RenewalFailure = { at: Date.now(), index, contract: old.terms.id, host: old.terms.hostPeer, error: (err as Error).message }
      session.renewalFailures = [...(session.renewalFailures ?? []).slice(-9), failure]
      await this.#save(session)
      this.#c.logger.warn(failure, 'renewal failed; retried later, the shard moves to another host if the contract ends')
      return undefined
    }
  }

  /** Asks the host of a (renewal) contract to confirm it holds the shard; returns its receipt. */
  async #confirmHeld (record: ContractRecord): Promise<Receipt> {
    const stream = await this.#c.network.libp2p.dialProtocol(HostDirectory.peer(record.terms.hostPeer), protocols.shard, { signal: AbortSignal.timeout(timeout) })
    const ch = new Channel(stream)
    let hello: { ok?: boolean, ready?: boolean, receipt?: Receipt, code?: string, message?: string }
    try {
      await ch.send({ op: 'put', contractId: record.terms.id })
      hello = await ch.receive({ signal: AbortSignal.timeout(timeout) })
    } finally {
      ch.abort(new Error('done'))
    }
    const receipt = hello.receipt
    if (hello.ok !== true || receipt === undefined) {
      await this.#c.contracts.put({ ...record, state: 'failed', error: 'the host no longer holds the shard' })
      throw new AppError('PEER_REJECTED', hello.ready === true ? 'the host no longer holds the shard' : `${hello.code ?? 'error'}: ${hello.message ?? 'no receipt'}`)
    }
    const typed = receiptTypedData(receipt, this.#c.chainId)
    if (receipt.contractId !== record.terms.id || receipt.shardCid !== record.terms.shardCid || !await verifyTyped(typed, receipt.signature, record.terms.host)) {
      throw new AppError('PROTOCOL_ERROR', 'the receipt does not verify')
    }
    return receipt
  }

  async stop (): Promise<void> {
    this.#abort.abort(new AppError('SHUTTING_DOWN'))
    await Promise.allSettled(this.#running.values())
  }

  /** Starts uploading `root` (which must be in the local store); returns the session id. */
  async upload (request: UploadRequest): Promise<string> {
    const d = this.#c.defaults
    const k = request.k ?? d.k
    const m = request.m ?? d.m
    const duration = request.duration ?? d.duration
    if (!Number.isInteger(duration) || duration < 1) throw new AppError('INVALID_PARAMETER', 'duration must be a whole number of days ≥ 1')
    await this.#c.files.open({ cid: request.root, segments: [] }) // a CID that is not a local file fails the request, not the session
    const now = Date.now()
    const session: UploadSession = {
      id: randomBytes(8).toString('hex'),
      root: request.root.toString(),
      k,
      m,
      duration,
      maxPrice: (request.maxPrice ?? BigInt(d.maxPrice)).toString(),
      state: 'preparing',
      shards: [],
      notes: [],
      created: now,
      updated: now
    }
    await this.#save(session)
    this.#launch(session)
    return session.id
  }

  /** A session with live byte counts; NOT_FOUND when unknown. */
  async get (id: string): Promise<UploadSession> {
    const live = this.#live.get(id)
    if (live !== undefined) return structuredClone(live)
    const stored = await this.#bucket.get(id)
    if (stored === undefined) throw new AppError('NOT_FOUND', `no upload ${id}`)
    return stored
  }

  async list (): Promise<UploadSession[]> {
    const out: UploadSession[] = []
    for await (const session of this.#bucket.values()) out.push(this.#live.get(session.id) ?? session)
    return out.sort((a, b) => a.created - b.created)
  }

  /** Resolves when the session ends (tests and `add?upload=true&wait=true`). */
  async wait (id: string): Promise<UploadSession> {
    await this.#running.get(id)
    return await this.get(id)
  }

  #launch (session: UploadSession, repair?: RepairRecord): void {
    this.#live.set(session.id, session)
    const run = this.#run(session, repair)
      .catch(async (err: Error) => {
        if (this.#abort.signal.aborted) return
        if (repair !== undefined) {
          // The file is still stored, with fewer shards: the repair service tries again later.
          Object.assign(repair, { finished: Date.now(), ok: false, error: err.message })
          session.state = 'complete'
          this.#c.logger.warn({ upload: session.id, err: err.message }, 'repair failed; it is tried again at the next check')
        } else {
          session.state = 'failed'
          session.error = err.message
          this.#c.logger.warn({ upload: session.id, err: err.message }, 'upload failed')
        }
        await this.#save(session)
      })
      .finally(() => { this.#running.delete(session.id); this.#live.delete(session.id) })
    this.#running.set(session.id, run)
  }

  async #save (session: UploadSession): Promise<void> {
    session.updated = Date.now()
    await this.#c.datastore.batch([{ type: 'put', sublevel: this.#bucket, key: session.id, value: session }], true)
  }

  async #run (session: UploadSession, repair?: RepairRecord): Promise<void> {
    const signal = this.#abort.signal
    const phase = (state: UploadState): UploadState => repair !== undefined ? 'repairing' : state
    let manifest: Manifest
    if (session.manifest === undefined) {
      const prepared = await this.#c.shards.prepare(CID.parse(session.root), { params: { k: session.k, m: session.m }, signal })
      manifest = prepared.manifest
      session.manifest = prepared.manifestCid.toString()
      session.shards = manifest.shards.map(s => ({ index: s.index, cid: s.cid.toString(), size: s.size, state: 'pending', bytesSent: 0, attempts: 0 }))
      session.state = 'contracting'
      await this.#save(session)
    } else {
      manifest = await this.#c.shards.manifest(CID.parse(session.manifest))
      for (const s of session.shards) if (s.state === 'sending') s.state = 'contracted'
    }
    // A repair never goes back to the hosts that lost the shards.
    const excluded = new Set<string>(repair?.lost.flatMap(l => l.host ?? []) ?? [])
    let from: OpenedFile | undefined
    for (;;) {
      signal.throwIfAborted()
      const todo = session.shards.filter(s => s.state !== 'stored')
      if (todo.length === 0) break
      const over = todo.find(s => s.attempts >= this.#c.defaults.maxAttempts)
      if (over !== undefined) throw new AppError('NO_HOSTS', `shard ${over.index} failed on ${over.attempts} hosts: ${over.error ?? ''}`)
      session.state = phase('contracting')
      await this.#contractAll(session, manifest, todo.filter(s => s.state !== 'contracted'), excluded)
      session.state = phase('uploading')
      await this.#save(session)
      if (repair !== undefined) {
        from = await this.#repairSource(manifest, signal)
        repair.source = from === undefined ? 'local' : 'hosts'
      }
      await this.#push(session, manifest, todo, excluded, from)
    }
    session.state = 'complete'
    if (repair !== undefined) {
      const finished = Date.now()
      Object.assign(repair, { finished, ok: true, ms: finished - repair.started, timeToRepairMs: finished - repair.lostAt, hosts: repair.lost.map(l => session.shards[l.index]?.host ?? '') })
      this.#c.logger.warn({ upload: session.id, root: session.root, shards: repair.lost.map(l => l.index), source: repair.source, repairMs: repair.ms, timeToRepairMs: repair.timeToRepairMs }, 'repair complete')
    } else {
      this.#c.logger.info({ upload: session.id, root: session.root, shards: session.shards.length }, 'upload complete')
    }
    await this.#save(session)
  }

  /** undefined when the file is in the local store (read from there); else the file rebuilt from hosts. */
  async #repairSource (manifest: Manifest, signal: AbortSignal): Promise<OpenedFile | undefined> {
    try {
      await this.#c.files.open({ cid: manifest.root, segments: [] }, signal)
      return undefined
    } catch (err) {
      if (signal.aborted) throw err
      return await this.#c.fromHosts(manifest, signal)
    }
  }

  /** Signs a contract for each shard, trying other hosts when one rejects. */
  async #contractAll (session: UploadSession, manifest: Manifest, shards: ShardStatus[], excluded: Set<string>): Promise<void> {
    if (shards.length === 0) return
    let hosts = await this.#eligible(session, shards)
    if (hosts.filter(h => !excluded.has(h.peerId)).length < Math.min(shards.length, session.shards.length)) hosts = await this.#eligible(session, shards, true)
    for (const shard of shards) {
      for (;;) {
        const host = this.#choose(session, hosts.filter(h => !excluded.has(h.peerId) && h.ad.free >= shard.size))
        if (host === undefined) throw new AppError('NO_HOSTS', `no host left for shard ${shard.index} (price ≤ ${session.maxPrice} per GiB-month, ${session.duration} days, ${shard.size} bytes)`)
        try {
          const record = await this.#propose(session, manifest, shard, host)
          shard.host = host.peerId
          shard.contractId = record.terms.id
          shard.state = 'contracted'
          shard.error = undefined
          await this.#save(session)
          break
        } catch (err) {
          excluded.add(host.peerId)
          shard.error = `${host.peerId}: ${(err as Error).message}`
          this.#c.logger.info({ upload: session.id, shard: shard.index, host: host.peerId, err: (err as Error).message }, 'host declined or failed; trying another')
          if (err instanceof AppError && err.code === 'PEER_REJECTED') {
            session.notes.push(`host ${host.peerId} declined shard ${shard.index}: ${err.message}`)
          } else {
            await this.#c.directory.record(host.peerId, { ok: false, reason: (err as Error).message })
          }
        }
      }
    }
  }

  async #eligible (session: UploadSession, shards: ShardStatus[], refresh = false): Promise<KnownHost[]> {
    const max = BigInt(session.maxPrice)
    const size = Math.max(...shards.map(s => s.size))
    const hosts = await this.#c.directory.list({ refresh })
    return hosts.filter(h => BigInt(h.ad.price) <= max && h.ad.free >= size && h.ad.minDuration <= session.duration && session.duration <= h.ad.maxDuration)
  }

  /**
   * The best host for the next shard: hosts holding no shard of this file first (distinct hosts
   * per shard), then the least loaded; among those, good history, then low latency, then price.
   */
  #choose (session: UploadSession, hosts: KnownHost[]): KnownHost | undefined {
    const load = new Map<string, number>()
    for (const s of session.shards) if (s.host !== undefined && (s.state === 'contracted' || s.state === 'stored' || s.state === 'sending')) load.set(s.host, (load.get(s.host) ?? 0) + 1)
    const score = (h: KnownHost): number => h.latency + 1000 * h.history.failed / (h.history.stored + h.history.failed + 1)
    const best = hosts.sort((a, b) => (load.get(a.peerId) ?? 0) - (load.get(b.peerId) ?? 0) || score(a) - score(b) || Number(BigInt(a.ad.price) - BigInt(b.ad.price)))[0]
    if (best !== undefined && (load.get(best.peerId) ?? 0) > 0) {
      const note = `only ${load.size} distinct hosts for ${session.shards.length} shards: shards are spread evenly, some hosts hold more than one`
      if (!session.notes.includes(note)) session.notes = [...session.notes.filter(n => !n.startsWith('only ')), note]
    }
    return best
  }

  async #propose (session: UploadSession, manifest: Manifest, shard: ShardStatus, host: KnownHost): Promise<ContractRecord> {
    const terms = this.#terms(session, manifest, shard, host)
    return await this.#sign(terms, { session: session.id, index: shard.index })
  }

  #terms (session: UploadSession, manifest: Manifest, shard: ShardStatus, host: KnownHost): ContractTerms {
    const info = manifest.shards[shard.index]
    if (info === undefined) throw new AppError('INTERNAL', `manifest has no shard ${shard.index}`)
    const terms: ContractTerms = {
      id: newContractId(),
      renter: this.#c.wallet.address,
      renterPeer: this.#c.network.peerId.toString(),
      host: host.ad.address,
      hostPeer: host.peerId,
      shardCid: shard.cid,
      shardSize: shard.size,
      merkleRoot: '0x' + Buffer.from(info.merkleRoot).toString('hex'),
      leafSize: manifest.merkle.leafSize,
      start: Math.floor(Date.now() / 1000),
      duration: session.duration,
      price: host.ad.price,
      amount: contractAmount(BigInt(host.ad.price), shard.size, session.duration).toString(),
      ...challengePolicy
    }
    return terms
  }

  /** Proposes `terms` to their host; on acceptance stores and returns the signed contract. */
  async #sign (terms: ContractTerms, upload: { session: string, index: number }, renews?: string): Promise<ContractRecord> {
    const typed = contractTypedData(terms, this.#c.chainId)
    const renterSignature = await this.#c.wallet.signTyped(typed)
    const stream = await this.#c.network.libp2p.dialProtocol(HostDirectory.peer(terms.hostPeer), protocols.contract, { signal: AbortSignal.timeout(timeout) })
    const ch = new Channel(stream)
    let reply: { type?: string, code?: string, message?: string, hostSignature?: string }
    try {
      await ch.send({ type: 'propose', terms, renterSignature })
      reply = await ch.receive({ signal: AbortSignal.timeout(timeout) })
    } finally {
      await ch.close()
    }
    if (reply.type === 'reject') throw new AppError('PEER_REJECTED', `host rejected the contract: ${reply.code ?? '?'}: ${reply.message ?? ''}`, { details: { reason: reply.code } })
    if (reply.type !== 'accept' || typeof reply.hostSignature !== 'string') throw new AppError('PROTOCOL_ERROR', 'host sent neither accept nor reject')
    if (!await verifyTyped(typed, reply.hostSignature, terms.host)) throw new AppError('PROTOCOL_ERROR', "the host's contract signature does not verify")
    const now = Date.now()
    const record: ContractRecord = { role: 'renter', terms, renterSignature, hostSignature: reply.hostSignature, state: 'signed', upload, ...(renews !== undefined ? { renews } : {}), created: now, updated: now }
    await this.#c.contracts.put(record)
    return record
  }

  /** One encode pass that streams every contracted shard to its host at once. */
  async #push (session: UploadSession, manifest: Manifest, shards: ShardStatus[], excluded: Set<string>, from?: OpenedFile): Promise<void> {
    const sinks: Array<HostSink | undefined> = []
    await Promise.all(shards.map(async shard => {
      const record = await this.#c.contracts.get('renter', shard.contractId ?? '')
      if (record === undefined || shard.host === undefined) { shard.state = 'pending'; return }
      try {
        const stream = await this.#c.network.libp2p.dialProtocol(HostDirectory.peer(shard.host), protocols.shard, { signal: AbortSignal.timeout(timeout) })
        const ch = new Channel(stream)
        await ch.send({ op: 'put', contractId: record.terms.id })
        const hello = await ch.receive<{ ok?: boolean, ready?: boolean, receipt?: Receipt, message?: string }>({ signal: AbortSignal.timeout(timeout) })
        if (hello.ok === true && hello.receipt !== undefined) {
          await ch.close()
          await this.#stored(session, shard, record, hello.receipt)
          return
        }
        if (hello.ok !== true || hello.ready !== true) throw new AppError('PEER_REJECTED', hello.message ?? 'host refused the shard')
        shard.state = 'sending'
        shard.bytesSent = 0
        sinks[shard.index] = new HostSink(ch, shard, this.#limiter)
      } catch (err) {
        await this.#failed(session, shard, record, err as Error, excluded)
      }
    }))
    if (sinks.every(s => s === undefined)) { await this.#save(session); return }
    await this.#save(session)
    try {
      await this.#c.shards.stream(manifest, sinks, this.#abort.signal, from)
    } catch (err) {
      for (const sink of sinks) sink?.fail(err as Error)
      if (this.#abort.signal.aborted) throw err
    }
    await Promise.all(sinks.map(async sink => {
      if (sink === undefined) return
      const record = await this.#c.contracts.get('renter', sink.status.contractId ?? '') as ContractRecord
      try {
        const reply = await sink.receipt()
        if (reply.ok !== true || reply.receipt === undefined) throw new AppError('PEER_REJECTED', `${reply.code ?? 'error'}: ${reply.message ?? 'no receipt'}`)
        await this.#stored(session, sink.status, record, reply.receipt)
      } catch (err) {
        await this.#failed(session, sink.status, record, err as Error, excluded)
      }
    }))
  }

  async #stored (session: UploadSession, shard: ShardStatus, record: ContractRecord, receipt: Receipt): Promise<void> {
    const typed = receiptTypedData(receipt, this.#c.chainId)
    if (receipt.contractId !== record.terms.id || receipt.shardCid !== record.terms.shardCid || !await verifyTyped(typed, receipt.signature, record.terms.host)) {
      await this.#failed(session, shard, record, new AppError('PROTOCOL_ERROR', 'the receipt does not verify'))
      return
    }
    await this.#c.contracts.put({ ...record, state: 'stored', receipt })
    shard.state = 'stored'
    shard.bytesSent = shard.size
    shard.error = undefined
    await this.#c.directory.record(record.terms.hostPeer, { ok: true })
    await this.#save(session)
  }

  async #failed (session: UploadSession, shard: ShardStatus, record: ContractRecord | undefined, err: Error, excluded?: Set<string>): Promise<void> {
    if (this.#abort.signal.aborted) throw err
    if (shard.host !== undefined) excluded?.add(shard.host)
    shard.state = 'failed'
    shard.attempts++
    shard.error = err.message
    this.#c.logger.warn({ upload: session.id, shard: shard.index, host: shard.host, err: err.message }, 'shard upload failed; another host will be tried')
    if (record !== undefined) {
      await this.#c.contracts.put({ ...record, state: 'failed', error: err.message })
      await this.#c.directory.record(record.terms.hostPeer, { ok: false, reason: err.message })
    }
    await this.#save(session)
  }
}
