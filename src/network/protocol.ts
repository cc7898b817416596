import type { Static, TSchema } from 'typebox'
import Type from 'typebox'
import { Channel, type ChannelBounds } from './channel.js'
import { ProtocolViolation, rejected, type ErrorReply } from './errors.js'
import { Message, parseJson } from './message.js'
import { Text } from '../validation/types.js'

/**
 * The limits of one wire protocol, declared next to its schemas (src/network/protocols/*): what
 * one stream may carry and how long it may live, and how much of the node one peer may take.
 */
export interface ProtocolLimits {
  /** Largest frame either side sends. */
  maxFrame: number
  /** Bytes a peer may send on one inbound stream before its request raises it (e.g. to a shard's size). */
  maxInbound: number
  /** The whole exchange, ms, unless the handler extends it for a body. */
  deadlineMs: number
  /** Bytes/s a peer sending a body must keep up (bulk protocols only). */
  minRate?: number
  /** Streams one peer may have open at once on this protocol, at this node. */
  maxStreamsPerPeer: number
  /** Streams all peers together may have open at once on this protocol, at this node. */
  maxStreams: number
  /** New streams per peer: a token bucket of `burst` tokens refilled at `perSecond`. */
  rate: { burst: number, perSecond: number }
}

/** A wire protocol: its id (with a version) and limits. */
export interface ProtocolSpec {
  id: string
  limits: ProtocolLimits
  /** What the dialling side accepts from the answering one (default: the same frame bound, 1 MiB in all). */
  replies?: ChannelBounds
}

/** The error reply shape, as a message (every protocol's replies are `Ok | ErrorReply`). */
export const ErrorReplyMessage = new Message('error reply', Type.Object({
  ok: Type.Literal(false),
  code: Type.String({ pattern: '^[A-Z_]{1,40}$' }),
  message: Text(1024)
}))

/**
 * One exchange on a stream, on either side: frames in and out through a bounded Channel, every
 * JSON frame checked against the Message the step expects, and one signal (the protocol's
 * deadline, the caller's signal, the node's shutdown) that every read and write honours. An error
 * reply from the peer (`{ ok: false, code, message }`) is raised as PEER_REJECTED on the dialling
 * side; anything malformed as a ProtocolViolation.
 */
export class Conversation {
  readonly peer: string
  readonly signal: AbortSignal
  readonly #ch: Channel
  readonly #deadline: Deadline

  constructor (channel: Channel, peer: string, deadlineMs: number, ...signals: Array<AbortSignal | undefined>) {
    this.#ch = channel
    this.peer = peer
    this.#deadline = new Deadline(deadlineMs)
    const all = [this.#deadline.signal, ...signals.filter((s): s is AbortSignal => s !== undefined)]
    this.signal = all.length === 1 ? this.#deadline.signal : AbortSignal.any(all)
  }

  /** Moves the deadline to `ms` from now (an exchange whose request announced a large body). */
  extendDeadline (ms: number): void {
    this.#deadline.reset(ms)
  }

  /** Reads the next frame as a `message`; an error reply from the peer throws PEER_REJECTED. */
  async receive<S extends TSchema> (message: Message<S>): Promise<Static<S>> {
    const frame = await this.#ch.read({ signal: this.signal })
    const value = parseJson(frame, message.name)
    if (message.is(value)) return value
    if (ErrorReplyMessage.is(value)) throw rejected(value)
    return message.check(value)
  }

  /** Reads the next frame as raw bytes (binary messages, data); an error reply throws PEER_REJECTED. */
  async receiveBytes (): Promise<Uint8Array> {
    const frame = await this.#ch.read({ signal: this.signal })
    if (frame[0] === 0x7b) { // '{': a JSON frame where bytes were expected — only an error reply may be one
      let value: unknown
      try { value = parseJson(frame) } catch { return frame }
      if (ErrorReplyMessage.is(value)) throw rejected(value)
    }
    return frame
  }

  /** Sends a message (checked against its schema first). */
  async send<S extends TSchema> (message: Message<S>, value: Static<S>): Promise<void> {
    await this.#ch.write(message.encode(value), { signal: this.signal })
  }

  /** Sends the one error reply shape (with a short deadline of its own: the exchange's may be over). */
  async sendError (reply: ErrorReply): Promise<void> {
    await this.#ch.write(ErrorReplyMessage.encode(reply), { signal: AbortSignal.timeout(2000) })
  }

  /** Sends raw bytes as one frame. */
  async sendBytes (bytes: Uint8Array): Promise<void> {
    await this.#ch.write(bytes, { signal: this.signal })
  }

  /**
   * Lets the peer send `bytes` more on this stream: a body the request announced (then its
   * minimum rate is timed from now), or, with `body` false, control traffic such as the
   * acknowledgements of a body this side sends.
   */
  allow (bytes: number, body = true): void {
    this.#ch.allow(bytes)
    if (body) this.#ch.expectData()
  }

  /**
   * Ends the exchange: stops reading, closes the writable end; resets the stream when that
   * stalls past `graceMs`, or when the peer has not closed its end `peerWaitMs` later.
   */
  async close (graceMs?: number, peerWaitMs?: number): Promise<void> {
    this.#deadline.clear()
    await this.#ch.close(graceMs, peerWaitMs)
  }

  /** Ends the exchange at once, resetting the stream. */
  abort (err: Error): void {
    this.#deadline.clear()
    this.#ch.abort(err)
  }

  /** `err` as the violation it is when the deadline passed (its reason would be a bare TimeoutError). */
  explain (err: unknown): unknown {
    if (this.#deadline.signal.aborted && (err === this.#deadline.signal.reason || (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError')) {
      return this.#deadline.signal.reason
    }
    return err
  }
}

/** A deadline that can be moved: its signal aborts with a TIMEOUT violation. */
class Deadline {
  readonly #controller = new AbortController()
  #timer?: NodeJS.Timeout

  constructor (ms: number) {
    this.reset(ms)
  }

  get signal (): AbortSignal {
    return this.#controller.signal
  }

  reset (ms: number): void {
    clearTimeout(this.#timer)
    if (this.#controller.signal.aborted) return
    this.#timer = setTimeout(() => {
      this.#controller.abort(new ProtocolViolation('TIMEOUT', `the exchange took longer than the ${Math.round(ms / 1000)} s it may`))
    }, Math.min(ms, 2 ** 31 - 1))
    this.#timer.unref()
  }

  clear (): void {
    clearTimeout(this.#timer)
  }
}
