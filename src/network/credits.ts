import type { Static, TSchema } from 'typebox'
import Type from 'typebox'
import { Message } from './message.js'
import type { Conversation } from './protocol.js'
import { Uint } from '../validation/types.js'

/** Bytes per data frame when streaming bulk data (shard bytes). */
export const dataFrame = 256 * 1024

/** Data bytes a sender may have in flight beyond the receiver's last acknowledgement. */
export const creditWindow = 8 * 1024 * 1024
/** The receiver acknowledges every this many bytes it has consumed. */
const ackEvery = 1024 * 1024

/** An acknowledgement: the receiver consumed `ack` data bytes in all. */
export const AckMessage = new Message('ack', Type.Object({ ack: Uint() }, { additionalProperties: false }))

/**
 * Bulk data is flow-controlled by the application: libp2p 3 streams hand every received chunk to
 * the reader at once, and pausing a yamux stream did not stop a fast sender before the paused
 * buffer overflowed and the stream was reset. With credits, the sender never has more than
 * `creditWindow` bytes unacknowledged, so the reader's buffer stays bounded however slow its
 * disk — and a sender that ignores the credits overflows the Channel's bound and is cut.
 */
export class CreditSender<S extends TSchema> {
  readonly #conv: Conversation
  readonly #final: Message<S>
  readonly #either: Message<TSchema>
  #sent = 0
  #acked = 0

  /** `final` is the receiver's answer once it has all the data. */
  constructor (conv: Conversation, final: Message<S>) {
    this.#conv = conv
    this.#final = final
    this.#either = new Message(final.name, Type.Union([AckMessage.schema, final.schema]))
  }

  /** Sends one data frame, first waiting for acknowledgements while the window is full. */
  async write (bytes: Uint8Array): Promise<void> {
    while (this.#sent - this.#acked + bytes.length > creditWindow) {
      const { ack } = await this.#conv.receive(AckMessage)
      if (ack > this.#sent) throw new RangeError('the peer acknowledged bytes never sent')
      this.#acked = ack
    }
    await this.#conv.sendBytes(bytes)
    this.#sent += bytes.length
  }

  /**
   * Waits until the receiver has acknowledged every byte sent (it flushes its last
   * acknowledgement when it has all the data): a sender that closes before this could cut off
   * data still in flight.
   */
  async finish (): Promise<void> {
    while (this.#acked < this.#sent) {
      const { ack } = await this.#conv.receive(AckMessage)
      if (ack > this.#sent) throw new RangeError('the peer acknowledged bytes never sent')
      this.#acked = ack
    }
  }

  /** The receiver's final answer (acknowledgements before it are skipped). */
  async answer (): Promise<Static<S>> {
    for (;;) {
      const next = await this.#conv.receive(this.#either)
      if (!AckMessage.is(next)) return this.#final.check(next)
    }
  }
}

/** Reads data frames and acknowledges them every MiB consumed. */
export class CreditReceiver {
  readonly #conv: Conversation
  #received = 0
  #acked = 0

  constructor (conv: Conversation) {
    this.#conv = conv
  }

  /** Reads one data frame; call `consumed` once it has been dealt with (written to disk). */
  async read (): Promise<Uint8Array> {
    return await this.#conv.receiveBytes()
  }

  async consumed (bytes: number): Promise<void> {
    this.#received += bytes
    if (this.#received - this.#acked >= ackEvery) await this.flush()
  }

  /** Acknowledges everything consumed so far (after the last frame, so the sender may finish). */
  async flush (): Promise<void> {
    if (this.#received === this.#acked) return
    this.#acked = this.#received
    await this.#conv.send(AckMessage, { ack: this.#received })
  }
}
