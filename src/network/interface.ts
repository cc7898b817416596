import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Conversation, ProtocolSpec } from './protocol.js'

/** A live connection to a peer, as GET /peers shows it. */
export interface PeerConnection {
  peer: string
  addr: string
  direction: 'inbound' | 'outbound'
}

/** Options of `Network.dial`. */
export interface DialOptions extends AbortOptions {
  /** Overrides the protocol's deadline for this exchange (ms). */
  deadlineMs?: number
}

/**
 * What the node's services see of the network: peers by id string, wire protocols as specs with
 * limits, exchanges as Conversations. libp2p stays behind it (src/network/network.ts): nothing
 * outside src/network/ dials a protocol or touches a stream. Services use the typed clients and
 * handler registrations of src/network/protocols/*, never `dial`/`handle` directly.
 */
export interface Network {
  /** This node's peer id. */
  readonly peerId: string
  /** The addresses peers can dial, each with /p2p/<peer id>. */
  addresses: () => string[]
  connections: () => PeerConnection[]
  /**
   * Serves `spec`: each inbound stream is admitted (the spec's per-peer rate and stream limits),
   * bounded (frame size, bytes, deadline, minimum rate) and handed to `handler` as a Conversation.
   * Whatever the handler throws becomes the one error reply shape and a debug log line.
   */
  handle: (spec: ProtocolSpec, handler: (conv: Conversation) => Promise<void>) => Promise<void>
  /** Connects to a peer by its multiaddr (with /p2p/<peer id>); resolves to its peer id. */
  connect: (addr: string, options?: AbortOptions) => Promise<string>
  /** Opens an exchange with `peer` on `spec` (replies bounded by `spec.replies`). */
  dial: (peer: string, spec: ProtocolSpec, options?: DialOptions) => Promise<Conversation>
  /** Announces on the DHT that this node provides `key`. */
  provide: (key: CID, options: AbortOptions) => Promise<void>
  /** Peers providing `key` on the DHT (never this node). */
  findProviders: (key: CID, options: AbortOptions) => AsyncIterable<string>
  /** Connected peers that announced `protocol` (identify). */
  peersSpeaking: (protocol: string) => Promise<string[]>
  /** Calls `listener` with each newly connected peer. */
  onPeerConnect: (listener: (peer: string) => void) => void
  stop: () => Promise<void>
}
