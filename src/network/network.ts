import '../polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { ping, type Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import type { Identify } from '@libp2p/identify'
import type { AbortOptions, Libp2p, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import { Admission } from './admission.js'
import { Channel } from './channel.js'
import { brokeProtocol, errorReply, ProtocolViolation } from './errors.js'
import type { DialOptions, Network, PeerConnection } from './interface.js'
import { Conversation, type ProtocolSpec } from './protocol.js'

export type NetworkServices = { identify: Identify, ping: Ping, dht: KadDHT }
export type Libp2pNode = Libp2p<NetworkServices>

/** What the network needs from config and the repo. */
export interface NetworkOptions {
  privateKey: PrivateKey
  listen: string[]
  announce: string[]
  bootstrap: string[]
  /** e.g. `/btfs-ts`: the DHT speaks `<prefix>/kad/1.0.0`, so only our nodes form a network. */
  protocolPrefix: string
  logger: Logger
}

/** How often the bootstrap list is dialled again while no bootstrap peer is connected. */
const redialMs = 10_000

function parseAddrs (list: string[], what: string): Multiaddr[] {
  return list.map(a => {
    try {
      return multiaddr(a)
    } catch (err) {
      throw new AppError('INVALID_PARAMETER', `${what} "${a}" is not a multiaddr: ${(err as Error).message}`)
    }
  })
}

/**
 * The node's libp2p: TCP + noise + yamux, identify, ping and a Kad-DHT under our own protocol
 * prefix, in server mode with every address kept (nodes on a LAN or loopback must find each
 * other too; a node that is not reachable simply is not dialled back). Bootstrap addresses are
 * dialled at start and again every 10 s while none of them is connected, so a node started
 * before its bootstrap peer joins when that peer comes up. Wire protocols are served through
 * `handle`, which admits, bounds and times every inbound stream (see Network).
 */
export class Libp2pNetwork implements Network {
  readonly #libp2p: Libp2pNode
  readonly #log: Logger
  readonly #bootstrap: Multiaddr[]
  readonly #shutdown = new AbortController()
  #timer?: NodeJS.Timeout

  private constructor (libp2p: Libp2pNode, bootstrap: Multiaddr[], log: Logger) {
    this.#libp2p = libp2p
    this.#bootstrap = bootstrap
    this.#log = log
  }

  static async start (options: NetworkOptions): Promise<Libp2pNetwork> {
    const bootstrap = parseAddrs(options.bootstrap, 'bootstrap address')
    parseAddrs(options.listen, 'listen address')
    parseAddrs(options.announce, 'announce address')
    const libp2p = await createLibp2p({
      privateKey: options.privateKey,
      addresses: { listen: options.listen, announce: options.announce },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { inboundConnectionThreshold: 1000, maxConnections: 300 },
      services: {
        identify: identify(),
        ping: ping(),
        dht: kadDHT({
          protocol: `${options.protocolPrefix}/kad/1.0.0`,
          clientMode: false,
          peerInfoMapper: passthroughMapper
        })
      }
    })
    await libp2p.services.dht.setMode('server')
    const network = new Libp2pNetwork(libp2p, bootstrap, options.logger)
    network.#dialBootstrap()
    network.#timer = setInterval(() => { network.#dialBootstrap() }, redialMs)
    network.#timer.unref()
    return network
  }

  get peerId (): string {
    return this.#libp2p.peerId.toString()
  }

  addresses (): string[] {
    return this.#libp2p.getMultiaddrs().map(a => a.toString())
  }

  connections (): PeerConnection[] {
    return this.#libp2p.getConnections().map(c => ({ peer: c.remotePeer.toString(), addr: c.remoteAddr.toString(), direction: c.direction }))
  }

  async handle (spec: ProtocolSpec, handler: (conv: Conversation) => Promise<void>): Promise<void> {
    const admission = new Admission(spec.limits)
    const { limits } = spec
    await this.#libp2p.handle(spec.id, (stream, connection) => {
      const peer = connection.remotePeer.toString()
      const channel = new Channel(stream, { maxFrame: limits.maxFrame, maxInbound: limits.maxInbound, ...(limits.minRate !== undefined ? { minRate: limits.minRate } : {}) })
      const conv = new Conversation(channel, peer, limits.deadlineMs, this.#shutdown.signal)
      let release: () => void
      try {
        release = admission.admit(peer)
      } catch (err) {
        this.#log.debug({ peer, protocol: spec.id, code: (err as ProtocolViolation).code }, 'stream refused')
        void conv.sendError(errorReply(err)).catch(() => {}).finally(() => { void conv.close(1000, 0) })
        return
      }
      let broke = false
      handler(conv).catch(async (thrown: unknown) => {
        const err = conv.explain(thrown)
        const reply = errorReply(err)
        if (reply.code === 'INTERNAL') this.#log.warn({ peer, protocol: spec.id, err: (err as Error).message }, 'protocol handler failed')
        else this.#log.debug({ peer, protocol: spec.id, code: reply.code, reason: reply.message }, 'request refused')
        await conv.sendError(reply).catch(() => {})
        broke = err instanceof ProtocolViolation
      }).finally(() => {
        release()
        // A peer that broke the protocol gets its error reply, then a reset: it may still be
        // sending, and must notice at once rather than at its next read.
        void (broke ? conv.close(1000, 0) : conv.close())
      })
    }, { maxInboundStreams: Math.max(32, limits.maxStreamsPerPeer * 4), maxOutboundStreams: 64 })
  }

  async connect (addr: string, options: AbortOptions = {}): Promise<string> {
    const [target] = parseAddrs([addr], 'peer address')
    const connection = await this.#libp2p.dial(target as Multiaddr, { signal: options.signal ?? AbortSignal.timeout(10_000) })
    return connection.remotePeer.toString()
  }

  async dial (peer: string, spec: ProtocolSpec, options: DialOptions = {}): Promise<Conversation> {
    const deadlineMs = Math.min(2 ** 31 - 1, Math.ceil(options.deadlineMs ?? spec.limits.deadlineMs))
    const signal = AbortSignal.any([AbortSignal.timeout(deadlineMs), this.#shutdown.signal, ...(options.signal !== undefined ? [options.signal] : [])])
    let stream
    try {
      stream = await this.#libp2p.dialProtocol(peerIdFromString(peer), spec.id, { signal })
    } catch (err) {
      throw brokeProtocol(new ProtocolViolation('CLOSED', `cannot open ${spec.id} to ${peer}: ${(err as Error).message}`))
    }
    const channel = new Channel(stream, spec.replies ?? { maxFrame: spec.limits.maxFrame, maxInbound: 1024 * 1024 })
    return new Conversation(channel, peer, deadlineMs, this.#shutdown.signal, options.signal)
  }

  async provide (key: CID, options: AbortOptions): Promise<void> {
    await this.#libp2p.contentRouting.provide(key, options)
  }

  async * findProviders (key: CID, options: AbortOptions): AsyncIterable<string> {
    const self = this.peerId
    for await (const provider of this.#libp2p.contentRouting.findProviders(key, options)) {
      const id = provider.id.toString()
      if (id !== self) yield id
    }
  }

  async peersSpeaking (protocol: string): Promise<string[]> {
    const out: string[] = []
    for (const conn of this.#libp2p.getConnections()) {
      const peer = await this.#libp2p.peerStore.get(conn.remotePeer).catch(() => undefined)
      if (peer?.protocols.includes(protocol) === true) out.push(conn.remotePeer.toString())
    }
    return [...new Set(out)]
  }

  onPeerConnect (listener: (peer: string) => void): void {
    this.#libp2p.addEventListener('peer:connect', evt => { listener(evt.detail.toString()) })
  }

  #dialBootstrap (): void {
    const connected = new Set(this.#libp2p.getConnections().map(c => c.remotePeer.toString()))
    const missing = this.#bootstrap.filter(a => {
      const peer = a.getComponents().find(c => c.name === 'p2p')?.value
      return peer === undefined || (!connected.has(peer) && peer !== this.#libp2p.peerId.toString())
    })
    if (missing.length === 0 || (missing.length < this.#bootstrap.length && connected.size > 0)) return
    for (const addr of missing) {
      this.#libp2p.dial(addr, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => {
        this.#log.debug({ addr: addr.toString(), err: err.message }, 'bootstrap dial failed')
      })
    }
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    this.#shutdown.abort(new AppError('SHUTTING_DOWN'))
    await this.#libp2p.stop()
  }
}
