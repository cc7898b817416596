import { ProtocolViolation } from './errors.js'
import type { ProtocolLimits } from './protocol.js'

/** Peers whose buckets are remembered; beyond it, the fullest (least recently refilled) go first. */
const maxTrackedPeers = 10_000

interface PeerState {
  tokens: number
  at: number
  open: number
}

/**
 * Admission of inbound streams for one protocol: a token bucket per peer (new streams per
 * second, with a burst) and a count of open streams per peer and in all. A stream is admitted
 * before any byte of it is read, so a flood costs one map lookup per stream. Memory is bounded:
 * at most `maxTrackedPeers` peers are remembered, and a peer with no open stream is forgotten
 * once its bucket is full again.
 */
export class Admission {
  readonly #limits: ProtocolLimits
  readonly #peers = new Map<string, PeerState>()
  #open = 0

  constructor (limits: ProtocolLimits) {
    this.#limits = limits
  }

  /** Streams open now, in all. */
  get open (): number {
    return this.#open
  }

  /**
   * Admits a stream of `peer` or throws the violation to reply with (RATE_LIMITED,
   * TOO_MANY_STREAMS, BUSY). An admitted stream must be released once, when it ends.
   */
  admit (peer: string, now = Date.now()): () => void {
    const { rate, maxStreamsPerPeer, maxStreams } = this.#limits
    let state = this.#peers.get(peer)
    if (state === undefined) {
      if (this.#peers.size >= maxTrackedPeers) this.#evict(now)
      state = { tokens: rate.burst, at: now, open: 0 }
      this.#peers.set(peer, state)
    } else {
      state.tokens = Math.min(rate.burst, state.tokens + (now - state.at) * rate.perSecond / 1000)
      state.at = now
    }
    if (state.tokens < 1) throw new ProtocolViolation('RATE_LIMITED', `more than ${rate.perSecond} new streams per second (burst ${rate.burst}) from this peer`)
    if (state.open >= maxStreamsPerPeer) throw new ProtocolViolation('TOO_MANY_STREAMS', `this peer already has ${state.open} streams open on this protocol`)
    if (this.#open >= maxStreams) throw new ProtocolViolation('BUSY', `this node already serves ${this.#open} streams on this protocol`)
    state.tokens -= 1
    state.open++
    this.#open++
    let released = false
    const held = state
    return () => {
      if (released) return
      released = true
      held.open--
      this.#open--
    }
  }

  /** Forgets idle peers whose buckets are full again; if none, the oldest idle one. */
  #evict (now: number): void {
    const { rate } = this.#limits
    let oldest: [string, PeerState] | undefined
    for (const entry of this.#peers) {
      const [peer, state] = entry
      if (state.open > 0) continue
      if (state.tokens + (now - state.at) * rate.perSecond / 1000 >= rate.burst) this.#peers.delete(peer)
      else if (oldest === undefined || state.at < oldest[1].at) oldest = entry
    }
    if (this.#peers.size >= maxTrackedPeers && oldest !== undefined) this.#peers.delete(oldest[0])
  }
}
