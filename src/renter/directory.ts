import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from '../logger.js'
import { hostAdTypedData, hostsKey, malformedAd, type HostAd, type SignedHostAd } from '../host/ad.js'
import { Channel, protocols } from '../network/framing.js'
import type { Network } from '../network/network.js'
import type { Bucket, Datastore } from '../store/index.js'
import { verifyTyped } from '../wallet/wallet.js'

/** This renter's record of dealings with one host (bucket host-history). */
export interface HostHistory {
  stored: number
  failed: number
  lastFailure?: string
}

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
  readonly #history: Bucket<string, HostHistory>
  #refreshed = 0
  #refreshing?: Promise<void>

  constructor (components: DirectoryComponents) {
    this.#c = components
    this.#history = components.datastore.bucket<string, HostHistory>('host-history', 'utf8', 'json')
  }

  /** Known hosts with unexpired ads; asks the network first when the list is stale or `refresh`. */
  async list (options: { refresh?: boolean } = {}): Promise<KnownHost[]> {
    if (options.refresh === true || Date.now() - this.#refreshed > this.#c.refreshSeconds * 1000) await this.refresh()
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
    const { libp2p } = this.#c.network
    const self = libp2p.peerId.toString()
    const candidates = new Map<string, PeerId>()
    for (const conn of libp2p.getConnections()) {
      const peer = await libp2p.peerStore.get(conn.remotePeer).catch(() => undefined)
      if (peer?.protocols.includes(protocols.hostAd) === true) candidates.set(conn.remotePeer.toString(), conn.remotePeer)
    }
    if (libp2p.getConnections().length > 0) {
      try {
        for await (const provider of libp2p.contentRouting.findProviders(hostsKey, { signal: AbortSignal.timeout(10_000) })) {
          if (provider.id.toString() !== self) candidates.set(provider.id.toString(), provider.id)
        }
      } catch (err) {
        this.#c.logger.debug({ err: (err as Error).message }, 'host lookup on the DHT ended early')
      }
    }
    await Promise.all([...candidates.values()].map(async peer => { await this.#fetchAd(peer) }))
    this.#refreshed = Date.now()
  }

  async #fetchAd (peer: PeerId): Promise<void> {
    const id = peer.toString()
    try {
      const started = performance.now()
      const stream = await this.#c.network.libp2p.dialProtocol(peer, protocols.hostAd, { signal: AbortSignal.timeout(5000) })
      const ch = new Channel(stream)
      const reply = await ch.receive<{ ok?: boolean } & Partial<SignedHostAd>>({ signal: AbortSignal.timeout(5000) })
      await ch.close()
      const latency = performance.now() - started
      if (reply.ok !== true) { this.#hosts.delete(id); return }
      const bad = malformedAd(reply.ad)
      const ad = reply.ad as HostAd
      if (bad !== undefined || typeof reply.signature !== 'string') throw new Error(`bad ad: ${bad ?? 'no signature'}`)
      if (ad.peerId !== id) throw new Error('the ad names another peer')
      if (!await verifyTyped(hostAdTypedData(ad, this.#c.chainId), reply.signature, ad.address)) throw new Error('the ad signature does not verify')
      this.#hosts.set(id, { peerId: id, ad, signature: reply.signature, latency: Math.round(latency * 10) / 10, seen: Date.now(), history: await this.history(id) })
    } catch (err) {
      this.#c.logger.debug({ peer: id, err: (err as Error).message }, 'no usable host ad')
      this.#hosts.delete(id)
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

  /** A peer id parsed from its string form. */
  static peer (id: string): PeerId {
    return peerIdFromString(id)
  }
}
