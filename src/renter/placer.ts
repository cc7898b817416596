import type { ContractLifecycle } from '../contracts/lifecycle.js'
import type { ContractRecord, ContractStore } from '../contracts/store.js'
import { contractAmount, newContractId, type ContractTerms, type Receipt } from '../contracts/terms.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import type { Manifest } from '../shards/manifest.js'
import type { ShardService } from '../shards/service.js'
import type { OpenedFile } from '../unixfs/reader.js'
import type { KnownHost, HostDirectory } from './directory.js'
import type { HostClient, HostSink } from './host-client.js'
import type { RateLimiter } from './rate.js'
import type { SessionStore, ShardStatus, UploadSession } from './sessions.js'

/** What the placer needs. */
export interface PlacerComponents {
  contracts: ContractStore
  lifecycle: ContractLifecycle
  hosts: HostClient
  directory: HostDirectory
  shards: ShardService
  sessions: SessionStore
  limiter: RateLimiter
  logger: Logger
  /** This renter's wallet address and peer id (they go in the terms). */
  renter: { address: string, peerId: string }
  /** The challenge policy every contract signs (proofs.interval, proofs.leaves). */
  policy: { challengeIntervalMs: number, challengeLeaves: number }
  maxAttempts: number
}

/**
 * Puts a session's unstored shards on hosts: signs one contract per shard with a host found by the
 * directory (another one when a host declines), then streams every contracted shard to its host
 * straight out of the encoder in one pass (bounded memory; the slowest host sets the pace). A
 * host that fails is excluded and its shards go round again, up to `maxAttempts` hosts per shard.
 * Used by uploads and by repairs (which pass the hosts to avoid and where the bytes come from).
 */
export class ShardPlacer {
  readonly #c: PlacerComponents

  constructor (components: PlacerComponents) {
    this.#c = components
  }

  /** Places every shard of `session` not yet stored; `onPhase` is told when contracting and sending start. */
  async place (session: UploadSession, manifest: Manifest, options: { excluded: Set<string>, source?: () => Promise<OpenedFile | undefined>, onPhase: (phase: 'contracting' | 'uploading') => void, signal: AbortSignal }): Promise<void> {
    for (;;) {
      options.signal.throwIfAborted()
      const todo = session.shards.filter(s => s.state !== 'stored')
      if (todo.length === 0) return
      const over = todo.find(s => s.attempts >= this.#c.maxAttempts)
      if (over !== undefined) throw new AppError('NO_HOSTS', `shard ${over.index} failed on ${over.attempts} hosts: ${over.error ?? ''}`)
      options.onPhase('contracting')
      await this.#contractAll(session, manifest, todo.filter(s => s.state !== 'contracted'), options.excluded)
      options.onPhase('uploading')
      await this.#c.sessions.save(session)
      const from = await options.source?.()
      await this.#push(session, manifest, todo, options.excluded, options.signal, from)
    }
  }

  /** Signs a contract for each shard, trying other hosts when one declines. */
  async #contractAll (session: UploadSession, manifest: Manifest, shards: ShardStatus[], excluded: Set<string>): Promise<void> {
    if (shards.length === 0) return
    let hosts = await this.#eligible(session, shards)
    if (hosts.filter(h => !excluded.has(h.peerId)).length < Math.min(shards.length, session.shards.length)) hosts = await this.#eligible(session, shards, true)
    for (const shard of shards) {
      for (;;) {
        const host = this.#choose(session, hosts.filter(h => !excluded.has(h.peerId) && h.ad.free >= shard.size))
        if (host === undefined) throw new AppError('NO_HOSTS', `no host left for shard ${shard.index} (price ≤ ${session.maxPrice} per GiB-month, ${session.duration} days, ${shard.size} bytes)`)
        try {
          const record = await this.#c.hosts.sign(this.#terms(session, manifest, shard, host), { session: session.id, index: shard.index })
          Object.assign(shard, { host: host.peerId, contractId: record.terms.id, state: 'contracted', error: undefined })
          await this.#c.sessions.save(session)
          break
        } catch (err) {
          excluded.add(host.peerId)
          shard.error = `${host.peerId}: ${(err as Error).message}`.slice(0, 2000)
          this.#c.logger.info({ upload: session.id, shard: shard.index, host: host.peerId, err: (err as Error).message }, 'host declined or failed; trying another')
          if (err instanceof AppError && err.code === 'PEER_REJECTED') session.notes.push(`host ${host.peerId} declined shard ${shard.index}: ${err.message}`.slice(0, 2000))
          else await this.#c.directory.record(host.peerId, { ok: false, reason: (err as Error).message })
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

  #terms (session: UploadSession, manifest: Manifest, shard: ShardStatus, host: KnownHost): ContractTerms {
    const info = manifest.shards[shard.index]
    if (info === undefined) throw new AppError('INTERNAL', `manifest has no shard ${shard.index}`)
    return {
      id: newContractId(),
      renter: this.#c.renter.address,
      renterPeer: this.#c.renter.peerId,
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
      ...this.#c.policy
    }
  }

  /** One encode pass that streams every contracted shard to its host at once. */
  async #push (session: UploadSession, manifest: Manifest, shards: ShardStatus[], excluded: Set<string>, signal: AbortSignal, from?: OpenedFile): Promise<void> {
    const sinks: Array<HostSink | undefined> = []
    await Promise.all(shards.map(async shard => {
      const record = await this.#c.contracts.get('renter', shard.contractId ?? '')
      if (record === undefined || shard.host === undefined) { shard.state = 'pending'; return }
      try {
        const opened = await this.#c.hosts.open(record, shard, this.#c.limiter, signal)
        if ('receipt' in opened) { await this.#stored(session, shard, record, opened.receipt); return }
        shard.state = 'sending'
        shard.bytesSent = 0
        sinks[shard.index] = opened.sink
      } catch (err) {
        await this.#failed(session, shard, record, err as Error, excluded, signal)
      }
    }))
    await this.#c.sessions.save(session)
    if (sinks.every(s => s === undefined)) return
    try {
      await this.#c.shards.stream(manifest, sinks, signal, from)
    } catch (err) {
      for (const sink of sinks) sink?.fail(err as Error)
      if (signal.aborted) throw err
    }
    await Promise.all(sinks.map(async sink => {
      if (sink === undefined) return
      const record = await this.#c.contracts.get('renter', sink.status.contractId ?? '') as ContractRecord
      try {
        await this.#stored(session, sink.status, record, await sink.receipt())
      } catch (err) {
        await this.#failed(session, sink.status, record, err as Error, excluded, signal)
      }
    }))
  }

  async #stored (session: UploadSession, shard: ShardStatus, record: ContractRecord, receipt: Receipt): Promise<void> {
    if (!this.#c.hosts.verifyReceipt(record, receipt)) throw new AppError('PROTOCOL_ERROR', 'the receipt does not verify')
    await this.#c.lifecycle.markStored('renter', record.terms.id, receipt)
    Object.assign(shard, { state: 'stored', bytesSent: shard.size, error: undefined })
    await this.#c.directory.record(record.terms.hostPeer, { ok: true })
    await this.#c.sessions.save(session)
  }

  async #failed (session: UploadSession, shard: ShardStatus, record: ContractRecord | undefined, err: Error, excluded: Set<string>, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw err
    if (shard.host !== undefined) excluded.add(shard.host)
    shard.state = 'failed'
    shard.attempts++
    shard.error = err.message.slice(0, 2000)
    this.#c.logger.warn({ upload: session.id, shard: shard.index, host: shard.host, err: err.message }, 'shard upload failed; another host will be tried')
    if (record !== undefined) {
      await this.#c.lifecycle.markFailed('renter', record.terms.id, err.message.slice(0, 2000))
      await this.#c.directory.record(record.terms.hostPeer, { ok: false, reason: err.message.slice(0, 2000) })
    }
    await this.#c.sessions.save(session)
  }
}
