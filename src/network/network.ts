import '../polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { ping, type Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'

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
 * before its bootstrap peer joins when that peer comes up.
 */
export class Network {
  readonly libp2p: Libp2pNode
  readonly #log: Logger
  readonly #bootstrap: Multiaddr[]
  #timer?: NodeJS.Timeout

  private constructor (libp2p: Libp2pNode, bootstrap: Multiaddr[], log: Logger) {
    this.libp2p = libp2p
    this.#bootstrap = bootstrap
    this.#log = log
  }

  static async start (options: NetworkOptions): Promise<Network> {
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
    const network = new Network(libp2p, bootstrap, options.logger)
    network.#dialBootstrap()
    network.#timer = setInterval(() => { network.#dialBootstrap() }, redialMs)
    network.#timer.unref()
    return network
  }

  get peerId (): PeerId {
    return this.libp2p.peerId
  }

  /** The addresses peers can dial, each with /p2p/<peer id>. */
  addresses (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  #dialBootstrap (): void {
    const connected = new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString()))
    const missing = this.#bootstrap.filter(a => {
      const peer = a.getComponents().find(c => c.name === 'p2p')?.value
      return peer === undefined || (!connected.has(peer) && peer !== this.libp2p.peerId.toString())
    })
    if (missing.length === 0 || (missing.length < this.#bootstrap.length && connected.size > 0)) return
    for (const addr of missing) {
      this.libp2p.dial(addr, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => {
        this.#log.debug({ addr: addr.toString(), err: err.message }, 'bootstrap dial failed')
      })
    }
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    await this.libp2p.stop()
  }
}
