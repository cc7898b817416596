/**
 * /btfs-ts/shard/1.0.0: shard bytes between a renter and a host, each request naming a contract.
 *   put {contractId}: the host answers `{ok, receipt}` when it holds the shard already (a renewal),
 *     else `{ok, ready}`; the renter then streams the shard's bytes in data frames under credits
 *     (the host acknowledges every MiB it has written) and the host answers `{ok, receipt}` once
 *     size, CID and Merkle root are verified and the file is fsynced.
 *   get {contractId, offset?, length?}: `{ok, size}`, then that many bytes in data frames; the
 *     reader acknowledges every MiB.
 *   has {contractId}: `{ok, has, size}`.
 * Only the renter of a live contract may ask (the host checks); a body is bounded by the
 * contract's size and must arrive at `minRate` at least.
 */
import Type, { type Static } from 'typebox'
import type { AbortOptions } from '@libp2p/interface'
import { ReceiptSchema, type Receipt } from '../../contracts/terms.js'
import { Hex32, Uint } from '../../validation/types.js'
import { CreditReceiver, CreditSender, dataFrame } from '../credits.js'
import { ProtocolViolation } from '../errors.js'
import type { Network } from '../interface.js'
import { Message } from '../message.js'
import type { ProtocolSpec } from '../protocol.js'
import { exchange, failed } from './exchange.js'

/** Bytes/s a shard body must keep up on average (after a 30 s grace): cuts one-byte-every-20-s senders, passes any real link. */
export const shardMinRate = 1024

export const shardProtocol: ProtocolSpec = {
  id: '/btfs-ts/shard/1.0.0',
  limits: { maxFrame: dataFrame + 16, maxInbound: 4096, deadlineMs: 30_000, minRate: shardMinRate, maxStreamsPerPeer: 32, maxStreams: 256, rate: { burst: 64, perSecond: 16 } },
  replies: { maxFrame: dataFrame + 16, maxInbound: 4096, minRate: shardMinRate }
}

/** Room for the frames' length prefixes and acknowledgements around a body of `size` bytes. */
function withFraming (size: number): number {
  return size + Math.ceil(size / 65536) + 4096
}

/** Room for the acknowledgements of a body of `size` bytes (one per MiB, and a last one). */
function acksFor (size: number): number {
  return (Math.ceil(size / (1024 * 1024)) + 2) * 32
}

/** How long a body of `size` bytes may take: a minute plus its size at the minimum rate. */
function bodyDeadline (size: number): number {
  return Math.ceil(60_000 + size / shardMinRate * 1000)
}

export const ShardRequest = new Message('shard request', Type.Union([
  Type.Object({ op: Type.Literal('put'), contractId: Hex32() }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('get'), contractId: Hex32(), offset: Type.Optional(Uint()), length: Type.Optional(Uint()) }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('has'), contractId: Hex32() }, { additionalProperties: false })
]))

export type ShardRequestValue = Static<typeof ShardRequest.schema>

const PutReply = new Message('shard put reply', Type.Union([
  Type.Object({ ok: Type.Literal(true), receipt: ReceiptSchema }, { additionalProperties: false }),
  Type.Object({ ok: Type.Literal(true), ready: Type.Literal(true) }, { additionalProperties: false })
]))
const ReceiptReply = new Message('shard receipt', Type.Object({ ok: Type.Literal(true), receipt: ReceiptSchema }, { additionalProperties: false }))
const GetReply = new Message('shard get reply', Type.Object({ ok: Type.Literal(true), size: Uint() }, { additionalProperties: false }))
const HasReply = new Message('shard has reply', Type.Object({ ok: Type.Literal(true), has: Type.Boolean(), size: Uint() }, { additionalProperties: false }))

/** Where a host writes an incoming shard: frames as they arrive, acknowledged once written. */
export interface ShardBody {
  read: () => Promise<Uint8Array>
  consumed: (bytes: number) => Promise<void>
}

/** What the host does for each request (each may throw RemoteRefusal: NOT_FOUND, OVERDUE, …). */
export interface ShardServer {
  /** A receipt when the shard is held already; else the size to expect and how to take the body. */
  put: (request: { contractId: string }, peer: string, signal: AbortSignal) => Promise<{ receipt: Receipt } | { size: number, receive: (body: ShardBody) => Promise<Receipt>, done: () => void }>
  /** The bytes of the asked range (validated against the shard's size by the server). */
  get: (request: { contractId: string, offset?: number, length?: number }, peer: string, signal: AbortSignal) => Promise<{ size: number, frames: AsyncIterable<Uint8Array> }>
  has: (request: { contractId: string }, peer: string) => Promise<{ has: boolean, size: number }>
}

/** Serves the shard protocol. */
export async function handleShard (network: Network, server: ShardServer): Promise<void> {
  await network.handle(shardProtocol, async conv => {
    const request = await conv.receive(ShardRequest)
    if (request.op === 'has') {
      await conv.send(HasReply, { ok: true, ...await server.has(request, conv.peer) })
    } else if (request.op === 'get') {
      const { size, frames } = await server.get(request, conv.peer, conv.signal)
      conv.allow(acksFor(size), false)
      conv.extendDeadline(bodyDeadline(size))
      await conv.send(GetReply, { ok: true, size })
      const sender = new CreditSender(conv, GetReply)
      let sent = 0
      for await (const frame of frames) {
        sent += frame.length
        if (sent > size) throw new RangeError('the shard source gave more bytes than announced')
        await sender.write(frame)
      }
      await sender.finish() // every byte reached the reader before the stream ends
    } else {
      const plan = await server.put(request, conv.peer, conv.signal)
      if ('receipt' in plan) { await conv.send(ReceiptReply, { ok: true, receipt: plan.receipt }); return }
      try {
        conv.allow(withFraming(plan.size))
        conv.extendDeadline(bodyDeadline(plan.size))
        await conv.send(PutReply, { ok: true, ready: true })
        const receiver = new CreditReceiver(conv)
        const receipt = await plan.receive({ read: async () => await receiver.read(), consumed: async bytes => { await receiver.consumed(bytes) } })
        await conv.send(ReceiptReply, { ok: true, receipt })
      } finally {
        plan.done()
      }
    }
  })
}

/** An upload of one shard's bytes to its host, under way. */
export interface ShardUpload {
  /** Sends bytes (split into data frames; waits for credits). */
  write: (bytes: Uint8Array) => Promise<void>
  /** After the last byte: the host's receipt (not yet verified). */
  receipt: () => Promise<Receipt>
  abort: (err: Error) => void
}

/**
 * Starts a put: resolves to `{ receipt }` when the host holds the shard already, else to an
 * upload to stream the `size` bytes into. The stream lives until receipt() or abort().
 */
export async function putShard (network: Network, peer: string, contractId: string, size: number, options: AbortOptions = {}): Promise<{ receipt: Receipt } | { upload: ShardUpload }> {
  const conv = await network.dial(peer, shardProtocol, { ...options, deadlineMs: bodyDeadline(size) + 120_000 })
  try {
    conv.allow(acksFor(size), false)
    await conv.send(ShardRequest, { op: 'put', contractId })
    const hello = await conv.receive(PutReply)
    if ('receipt' in hello) { await conv.close(); return { receipt: hello.receipt } }
  } catch (err) {
    throw failed(conv, err, options.signal)
  }
  const sender = new CreditSender(conv, ReceiptReply)
  return {
    upload: {
      write: async bytes => {
        try {
          for (let at = 0; at < bytes.length; at += dataFrame) await sender.write(bytes.subarray(at, Math.min(bytes.length, at + dataFrame)))
        } catch (err) {
          throw failed(conv, err, options.signal)
        }
      },
      receipt: async () => {
        try {
          const { receipt } = await sender.answer()
          await conv.close()
          return receipt
        } catch (err) {
          throw failed(conv, err, options.signal)
        }
      },
      abort: err => { conv.abort(err) }
    }
  }
}

/**
 * Reads `length` bytes at `offset` of the contract's shard from `peer`, handing each frame to
 * `sink` (acknowledged once `sink` resolves, so the host never runs more than the credit window
 * ahead). Resolves to the number of bytes read; PROTOCOL_ERROR when the host sends more or other
 * than it announced.
 */
export async function getShard (network: Network, peer: string, request: { contractId: string, offset?: number, length: number }, sink: (frame: Uint8Array) => Promise<void>, options: AbortOptions = {}): Promise<number> {
  return await exchange(network, peer, shardProtocol, { ...options, deadlineMs: bodyDeadline(request.length) + 30_000 }, async conv => {
    await conv.send(ShardRequest, { op: 'get', ...request })
    const { size } = await conv.receive(GetReply)
    if (size !== request.length) throw new ProtocolViolation('BAD_MESSAGE', `host offers ${size} bytes, ${request.length} were asked`)
    conv.allow(withFraming(size))
    const receiver = new CreditReceiver(conv)
    let received = 0
    while (received < size) {
      const frame = await receiver.read()
      if (received + frame.length > size) throw new ProtocolViolation('TOO_MUCH_DATA', 'host sent more bytes than it announced')
      received += frame.length
      await sink(frame)
      await receiver.consumed(frame.length)
    }
    await receiver.flush() // the host waits for it before it ends the stream
    return received
  })
}

/** Asks `peer` whether it still holds the contract's shard. */
export async function hasShard (network: Network, peer: string, contractId: string, options: AbortOptions = {}): Promise<{ has: boolean, size: number }> {
  return await exchange(network, peer, shardProtocol, options, async conv => {
    await conv.send(ShardRequest, { op: 'has', contractId })
    const { has, size } = await conv.receive(HasReply)
    return { has, size }
  })
}
