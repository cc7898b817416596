import type { AbortOptions, Stream } from '@libp2p/interface'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { AppError } from '../errors/index.js'

/** Our wire protocols. Each message is a varint length-prefixed frame; control frames are JSON. */
export const protocols = {
  hostAd: '/btfs-ts/host-ad/1.0.0',
  contract: '/btfs-ts/contract/1.0.0',
  shard: '/btfs-ts/shard/1.0.0',
  challenge: '/btfs-ts/challenge/1.0.0',
  cheque: '/btfs-ts/cheque/1.0.0'
} as const

/** Largest frame accepted: data frames are ≤ 1 MiB, control frames a few KiB. */
export const maxFrame = 1024 * 1024 + 1024
/** Bytes per data frame when streaming shard bytes. */
export const dataFrame = 256 * 1024

/** Data bytes a sender may have in flight beyond the receiver's last acknowledgement. */
export const creditWindow = 8 * 1024 * 1024
/** The receiver acknowledges every this many bytes it has consumed. */
const ackEvery = 1024 * 1024

/**
 * A length-prefixed channel over a libp2p stream, with JSON control messages. Bulk data is
 * flow-controlled by the application (CreditSender / CreditReceiver): libp2p 3 streams hand
 * every received chunk to the reader at once, and pausing a yamux stream did not stop a fast
 * sender before the paused buffer overflowed and the stream was reset; @libp2p/utils' lpStream
 * aborts at 4 MiB unread. With credits, the sender never has more than 8 MiB unacknowledged, so
 * the reader's buffer stays bounded however slow its disk.
 */
export class Channel {
  readonly stream: Stream
  readonly #buffer = new Uint8ArrayList()
  #wake?: () => void
  #ended = false
  #error?: Error

  constructor (stream: Stream) {
    this.stream = stream
    stream.addEventListener('message', evt => {
      this.#buffer.append(evt.data)
      this.#notify()
    })
    stream.addEventListener('remoteCloseWrite', () => { this.#ended = true; this.#notify() })
    stream.addEventListener('close', evt => {
      this.#ended = true
      if (evt.error !== undefined) this.#error = evt.error
      this.#notify()
    })
  }

  #notify (): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  async send (message: unknown, options?: AbortOptions): Promise<void> {
    await this.write(new TextEncoder().encode(JSON.stringify(message)), options)
  }

  /** Reads one JSON control message; PROTOCOL_ERROR when the peer sent something else. */
  async receive<T = Record<string, unknown>> (options?: AbortOptions): Promise<T> {
    const frame = await this.read(options)
    let value: unknown
    try {
      value = JSON.parse(new TextDecoder().decode(frame))
    } catch {
      throw new AppError('PROTOCOL_ERROR', 'peer sent a frame that is not JSON')
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AppError('PROTOCOL_ERROR', 'peer sent a message that is not an object')
    return value as T
  }

  /** Writes bytes as one frame; resolves when the stream can take more (backpressure). */
  async write (bytes: Uint8Array, options?: AbortOptions): Promise<void> {
    if (bytes.length > maxFrame) throw new AppError('INTERNAL', `frame of ${bytes.length} bytes is over ${maxFrame}`)
    if (this.stream.send(new Uint8ArrayList(varint.encode(bytes.length), bytes))) return
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.stream.removeEventListener('drain', onDrain)
        this.stream.removeEventListener('close', onClose)
        options?.signal?.removeEventListener('abort', onAbort)
        if (err === undefined) resolve(); else reject(err)
      }
      const onDrain = (): void => { done() }
      const onClose = (): void => { done(this.#error ?? new AppError('PROTOCOL_ERROR', 'the stream closed while sending')) }
      const onAbort = (): void => { done(options?.signal?.reason as Error) }
      this.stream.addEventListener('drain', onDrain)
      this.stream.addEventListener('close', onClose)
      options?.signal?.addEventListener('abort', onAbort)
    })
  }

  /** Reads one frame. */
  async read (options?: AbortOptions): Promise<Uint8Array> {
    for (;;) {
      options?.signal?.throwIfAborted()
      const frame = this.#take()
      if (frame !== undefined) return frame
      if (this.#ended) throw this.#error ?? new AppError('PROTOCOL_ERROR', 'the peer closed the stream mid-message')
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
      if (available > 10) throw new AppError('PROTOCOL_ERROR', 'bad frame length')
      return undefined
    }
    if (length > maxFrame) throw new AppError('PROTOCOL_ERROR', `peer sent a frame of ${length} bytes (over ${maxFrame})`)
    const head = varint.encodingLength(length)
    if (available < head + length) return undefined
    const frame = this.#buffer.subarray(head, head + length)
    this.#buffer.consume(head + length)
    return frame
  }

  async close (): Promise<void> {
    await this.stream.close().catch(() => { this.stream.abort(new Error('close failed')) })
  }

  abort (err: Error): void {
    this.stream.abort(err)
  }
}

/** Writes data frames, waiting for the receiver's acknowledgements to stay within the credit window. */
export class CreditSender {
  readonly #ch: Channel
  #sent = 0
  #acked = 0

  constructor (ch: Channel) {
    this.#ch = ch
  }

  async write (bytes: Uint8Array, options?: AbortOptions): Promise<void> {
    while (this.#sent - this.#acked + bytes.length > creditWindow) {
      const message = await this.#ch.receive<{ ack?: number, ok?: boolean, code?: string, message?: string }>(options)
      if (typeof message.ack === 'number') this.#acked = message.ack
      else throw new AppError('PEER_REJECTED', `${message.code ?? 'error'}: ${message.message ?? 'peer stopped the transfer'}`)
    }
    await this.#ch.write(bytes, options)
    this.#sent += bytes.length
  }

  /** The next control message that is not an acknowledgement. */
  async receive<T = Record<string, unknown>> (options?: AbortOptions): Promise<T> {
    for (;;) {
      const message = await this.#ch.receive<T & { ack?: number }>(options)
      if (typeof message.ack !== 'number') return message
    }
  }
}

/** Reads data frames and acknowledges them every MiB consumed. */
export class CreditReceiver {
  readonly #ch: Channel
  #received = 0
  #acked = 0

  constructor (ch: Channel) {
    this.#ch = ch
  }

  /** Reads one data frame; call `consumed` once it has been dealt with (written to disk). */
  async read (options?: AbortOptions): Promise<Uint8Array> {
    return await this.#ch.read(options)
  }

  async consumed (bytes: number): Promise<void> {
    this.#received += bytes
    if (this.#received - this.#acked >= ackEvery) {
      this.#acked = this.#received
      await this.#ch.send({ ack: this.#received })
    }
  }
}
