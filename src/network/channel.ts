import type { AbortOptions, Stream } from '@libp2p/interface'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolViolation } from './errors.js'

/** Largest frame this node writes (the largest challenge answer a contract allows, with room). */
const maxWriteFrame = 16 * 1024 * 1024

/** What a channel lets a peer send it: the bounds that keep one stream's memory and life small. */
export interface ChannelBounds {
  /** Largest frame accepted from the peer (a longer length prefix aborts the stream). */
  maxFrame: number
  /** Most bytes the peer may send on the stream in all; raised with `allow` (a shard upload). */
  maxInbound: number
  /**
   * Bytes per second the peer must keep up, on average, once `rateGraceMs` has passed since its
   * body was expected (`expectData`; 0: no minimum). A slow sender holds a stream, a file handle
   * and a reservation: it is cut. Control messages (requests, acknowledgements) are not timed.
   */
  minRate?: number
  rateGraceMs?: number
}

/**
 * A length-prefixed channel over a libp2p stream, bounded. libp2p 3 streams hand every received
 * chunk to the reader as it arrives (and @libp2p/utils' lpStream aborts at 4 MiB unread), so the
 * bounds are applied here, on arrival: a frame longer than `maxFrame`, more than `maxInbound`
 * bytes in all, or a sender slower than `minRate` ends the reading at once (the owner sends the
 * error reply, then closes). The buffer therefore never
 * holds more than `maxInbound` bytes, and bulk protocols keep it far smaller with credits
 * (credits.ts). Once the owner is done (`close`/`abort`) the channel stops listening and the
 * stream's readable end is closed, so a peer that keeps sending costs nothing more.
 */
export class Channel {
  readonly stream: Stream
  readonly #buffer = new Uint8ArrayList()
  readonly #bounds: Required<ChannelBounds>
  #inbound = 0
  /** Bytes received before the rate clock started. */
  #rateBase = 0
  /** The minimum rate applies only once a body is expected (`expectData`), never to control traffic. */
  #rateOn = false
  #allowed: number
  #since = Date.now()
  #wake?: () => void
  #ended = false
  #error?: Error
  #done = false
  readonly #onMessage: (evt: { data: Uint8Array | Uint8ArrayList }) => void
  readonly #onEnd: () => void
  readonly #onClose: (evt: { error?: Error }) => void

  constructor (stream: Stream, bounds: ChannelBounds) {
    this.stream = stream
    this.#bounds = { minRate: 0, rateGraceMs: 10_000, ...bounds }
    this.#allowed = bounds.maxInbound
    this.#onMessage = evt => { this.#receive(evt.data) }
    this.#onEnd = () => { this.#ended = true; this.#notify() }
    this.#onClose = evt => {
      this.#ended = true
      if (evt.error !== undefined) this.#error ??= evt.error
      this.#notify()
    }
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('remoteCloseWrite', this.#onEnd)
    stream.addEventListener('close', this.#onClose)
  }

  /** Lets the peer send `bytes` more than it may so far (after a request that announces a body). */
  allow (bytes: number): void {
    this.#allowed += bytes
  }

  /** Starts the minimum-rate clock: the peer is now expected to send a body. */
  expectData (): void {
    this.#since = Date.now()
    this.#rateBase = this.#inbound
    this.#rateOn = true
  }

  #receive (data: Uint8Array | Uint8ArrayList): void {
    if (this.#done) return
    this.#inbound += data.byteLength
    if (this.#inbound > this.#allowed) {
      this.#fail(new ProtocolViolation('TOO_MUCH_DATA', `peer sent more than the ${this.#allowed} bytes this exchange allows`))
      return
    }
    const { minRate, rateGraceMs } = this.#bounds
    const elapsed = Date.now() - this.#since
    if (this.#rateOn && minRate > 0 && elapsed > rateGraceMs && (this.#inbound - this.#rateBase) / (elapsed / 1000) < minRate) {
      this.#fail(new ProtocolViolation('TOO_SLOW', `peer sends slower than ${minRate} bytes/s`))
      return
    }
    this.#buffer.append(data)
    this.#notify()
  }

  /**
   * The peer broke a bound: stop reading at once (what it sends from now on is dropped by the
   * stream), and let the reader see the violation, so the owner can still send the error reply
   * before it closes (or resets) the stream.
   */
  #fail (err: Error): void {
    this.#error ??= err
    this.#ended = true
    this.#detach()
    this.#notify()
  }

  #notify (): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  /** Writes bytes as one frame; resolves when the stream can take more (backpressure). */
  async write (bytes: Uint8Array, options?: AbortOptions): Promise<void> {
    if (bytes.length > maxWriteFrame) throw new RangeError(`frame of ${bytes.length} bytes is over ${maxWriteFrame}`)
    if (this.stream.send(new Uint8ArrayList(varint.encode(bytes.length), bytes))) return
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.stream.removeEventListener('drain', onDrain)
        this.stream.removeEventListener('close', onClose)
        options?.signal?.removeEventListener('abort', onAbort)
        if (err === undefined) resolve(); else reject(err)
      }
      const onDrain = (): void => { done() }
      const onClose = (): void => { done(this.#error ?? new ProtocolViolation('CLOSED', 'the stream closed while sending')) }
      const onAbort = (): void => { done(options?.signal?.reason as Error) }
      this.stream.addEventListener('drain', onDrain)
      this.stream.addEventListener('close', onClose)
      options?.signal?.addEventListener('abort', onAbort)
    })
  }

  /** Reads one frame; throws the signal's reason, or a ProtocolViolation when the peer broke a bound. */
  async read (options?: AbortOptions): Promise<Uint8Array> {
    for (;;) {
      options?.signal?.throwIfAborted()
      const frame = this.#take()
      if (frame !== undefined) return frame
      if (this.#error !== undefined) throw this.#error
      if (this.#ended) throw new ProtocolViolation('CLOSED', 'the peer closed the stream mid-message')
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { this.#wake = undefined; reject(options?.signal?.reason) }
        options?.signal?.addEventListener('abort', onAbort, { once: true })
        this.#wake = () => { options?.signal?.removeEventListener('abort', onAbort); resolve() }
      })
    }
  }

  #take (): Uint8Array | undefined {
    const available = this.#buffer.byteLength
    if (available === 0) return undefined
    let length: number
    try {
      length = varint.decode(this.#buffer)
    } catch {
      if (available >= 10) this.#fail(new ProtocolViolation('BAD_FRAME', 'bad frame length prefix'))
      return undefined
    }
    if (length > this.#bounds.maxFrame) {
      this.#fail(new ProtocolViolation('FRAME_TOO_LARGE', `peer announced a frame of ${length} bytes (over ${this.#bounds.maxFrame})`))
      return undefined
    }
    const head = varint.encodingLength(length)
    if (available < head + length) return undefined
    const frame = this.#buffer.subarray(head, head + length)
    this.#buffer.consume(head + length)
    return frame
  }

  #detach (): void {
    if (this.#done) return
    this.#done = true
    this.stream.removeEventListener('message', this.#onMessage)
    this.stream.removeEventListener('remoteCloseWrite', this.#onEnd)
    this.#buffer.consume(this.#buffer.byteLength)
    // anything the peer sends from now on is dropped by the stream itself
    this.stream.closeRead().catch(() => {})
  }

  /**
   * Stops reading and closes the writable end (the peer gets what was sent); resets the stream
   * if that has not happened within `graceMs` (a stream whose peer does not read must not stay),
   * or if the peer has not closed its own end `peerWaitMs` after ours: whatever it still sends
   * is dropped anyway, and a half-open stream would hold a slot of the connection.
   */
  async close (graceMs = 5000, peerWaitMs = 1000): Promise<void> {
    this.#detach()
    const closed = await within(this.stream.close().then(() => true, () => false), graceMs)
    const peerDone = closed && await within(this.#peerClosed(), Math.min(graceMs, peerWaitMs))
    if (!peerDone) this.stream.abort(new Error(closed ? 'the peer kept its end open' : 'the peer did not take the last bytes in time'))
    this.stream.removeEventListener('close', this.#onClose)
  }

  /** Resolves true once the peer closed its writable end (or the stream ended). */
  async #peerClosed (): Promise<boolean> {
    const s = this.stream
    if (s.remoteWriteStatus === 'closed' || s.status !== 'open') return true
    return await new Promise<boolean>(resolve => {
      const done = (): void => { s.removeEventListener('remoteCloseWrite', done); s.removeEventListener('close', done); resolve(true) }
      s.addEventListener('remoteCloseWrite', done)
      s.addEventListener('close', done)
    })
  }

  /** Stops reading and resets the stream. */
  abort (err: Error): void {
    this.#detach()
    this.stream.abort(err)
    this.stream.removeEventListener('close', this.#onClose)
  }
}

/** `promise`'s value, or false when it takes longer than `ms`. */
async function within (promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, ms) })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
