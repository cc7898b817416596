import Type, { type Static } from 'typebox'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import { hostAdTypedData, hostsKey, type HostAd } from '../host/ad.js'
import type { Network } from '../network/interface.js'
import { fetchAd, hostAdProtocol } from '../network/protocols/host-ad.js'
import type { Datastore, Table } from '../store/index.js'
import { Text, Uint } from '../validation/types.js'
import { verifyTypedFast } from '../wallet/typed-verify.js'

/** This renter's record of dealings with one host (bucket host-history). */
export const HostHistorySchema = Type.Object({
  stored: Uint(),
  failed: Uint(),
  lastFailure: Type.Optional(Text(2048))
})

export type HostHistory = Static<typeof HostHistorySchema>

/** Refreshes closer together than this share the first one's answers. */
const minRefreshMs = 1000
/** Hosts asked for their ad at once during a refresh. */
const adConcurrency = 16
/** Hosts remembered (the most recently seen win). */
const maxHosts = 10_000

/** A host as the renter knows it: its verified ad, latency and history. */
export interface KnownHost {
  peerId: string
  ad: HostAd
  signature: string
  /** Round trip of the last ad fetch, ms. */
  latency: number
  seen: number
  history: HostHistory
}

export interface DirectoryComponents {
  network: Network
  datastore: Datastore
  logger: Logger
  chainId: number
  /** Seconds a discovered list is reused before the DHT is asked again. */
  refreshSeconds: number
}

/**
 * Finds hosts without any central service: peers that provide the well-known hosts key on the
 * DHT, plus connected peers that speak the host-ad protocol, each asked for its signed ad. An ad
 * is kept only when its wallet signature verifies, it names the peer that served it, and it has
 * not expired.
 */
export class HostDirectory {
  readonly #c: DirectoryComponents
  readonly #hosts = new Map<string, KnownHost>()
  readonly #history: Table<typeof HostHistorySchema>
  #refreshed = 0
  #refreshing?: Promise<void>

  constructor (components: DirectoryComponents) {
    this.#c = components
    this.#history = components.datastore.table('host-history', HostHistorySchema)
  }

  /** Known hosts with unexpired ads; asks the network first when the list is stale or `refresh`. */
  async list (options: { refresh?: boolean } = {}): Promise<KnownHost[]> {
    // an explicit refresh within a second of the last one reuses it: hosts rate-limit ad requests
    const age = Date.now() - this.#refreshed
    if ((options.refresh === true && age > minRefreshMs) || age > this.#c.refreshSeconds * 1000) await this.refresh()
    const now = Date.now() / 1000
    return [...this.#hosts.values()].filter(h => h.ad.expiry > now)
  }

  get (peerId: string): KnownHost | undefined {
    return this.#hosts.get(peerId)
  }

  /** Asks the DHT and connected peers for hosts; concurrent callers share one refresh. */
  async refresh (): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => { this.#refreshing = undefined })
    await this.#refreshing
  }

  async #refresh (): Promise<void> {
    const { network } = this.#c
    const candidates = new Set<string>(await network.peersSpeaking(hostAdProtocol.id))
    if (network.connections().length > 0) {
      try {
        for await (const provider of network.findProviders(hostsKey, { signal: AbortSignal.timeout(10_000) })) {
          candidates.add(provider)
          if (candidates.size >= maxHosts) break
        }
      } catch (err) {
        this.#c.logger.debug({ err: (err as Error).message }, 'host lookup on the DHT ended early')
      }
    }
    const queue = [...candidates]
    await Promise.all(Array.from({ length: Math.min(adConcurrency, queue.length) }, async () => {
      for (let peer = queue.shift(); peer !== undefined; peer = queue.shift()) await this.#fetchAd(peer)
    }))
    this.#refreshed = Date.now()
  }

  async #fetchAd (id: string): Promise<void> {
    try {
      const started = performance.now()
      const reply = await fetchAd(this.#c.network, id, { signal: AbortSignal.timeout(10_000) })
      const latency = performance.now() - started
      const ad: HostAd = reply.ad
      if (ad.peerId !== id) throw new Error('the ad names another peer')
      if (!verifyTypedFast(hostAdTypedData(ad, this.#c.chainId), reply.signature, ad.address)) throw new Error('the ad signature does not verify')
      this.#hosts.delete(id)
      this.#hosts.set(id, { peerId: id, ad, signature: reply.signature, latency: Math.round(latency * 10) / 10, seen: Date.now(), history: await this.history(id) })
      if (this.#hosts.size > maxHosts) this.#hosts.delete(this.#hosts.keys().next().value as string)
    } catch (err) {
      this.#c.logger.debug({ peer: id, err: (err as Error).message }, 'no usable host ad')
      // A host that answered but refused (host mode off) or sent a bad ad is dropped; one that was
      // only slow or busy keeps its last ad until that expires.
      const code = err instanceof AppError ? (err.code === 'PEER_REJECTED' ? String(err.details?.code) : err.code) : 'BAD_AD'
      if (code !== 'RATE_LIMITED' && code !== 'BUSY' && code !== 'TOO_MANY_STREAMS' && code !== 'PROTOCOL_ERROR') this.#hosts.delete(id)
    }
  }

  async history (peerId: string): Promise<HostHistory> {
    return await this.#history.get(peerId) ?? { stored: 0, failed: 0 }
  }

  /** Records the outcome of one shard upload to `peerId`. */
  async record (peerId: string, outcome: { ok: true } | { ok: false, reason: string }): Promise<void> {
    const h = await this.history(peerId)
    const next: HostHistory = outcome.ok ? { ...h, stored: h.stored + 1 } : { ...h, failed: h.failed + 1, lastFailure: outcome.reason }
    await this.#history.put(peerId, next)
    const known = this.#hosts.get(peerId)
    if (known !== undefined) known.history = next
  }
}
