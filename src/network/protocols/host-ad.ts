/**
 * /btfs-ts/host-ad/1.0.0: a renter asks a host for its signed ad. The dialler sends nothing; the
 * host answers `{ ok: true, ad, signature }` or the error reply (NOT_A_HOST).
 */
import Type, { type Static } from 'typebox'
import type { AbortOptions } from '@libp2p/interface'
import { HostAdSchema } from '../../host/ad.js'
import { Signature } from '../../validation/types.js'
import type { Network } from '../interface.js'
import { Message } from '../message.js'
import type { ProtocolSpec } from '../protocol.js'
import { exchange } from './exchange.js'

export const hostAdProtocol: ProtocolSpec = {
  id: '/btfs-ts/host-ad/1.0.0',
  limits: { maxFrame: 4096, maxInbound: 64, deadlineMs: 10_000, maxStreamsPerPeer: 4, maxStreams: 128, rate: { burst: 30, perSecond: 5 } },
  replies: { maxFrame: 4096, maxInbound: 8192 }
}

export const AdReply = new Message('host ad', Type.Object({ ok: Type.Literal(true), ad: HostAdSchema, signature: Signature() }, { additionalProperties: false }))

export type AdReplyValue = Static<typeof AdReply.schema>

/** Fetches `peer`'s ad (schema-checked; the caller verifies its signature and that it names `peer`). */
export async function fetchAd (network: Network, peer: string, options: AbortOptions = {}): Promise<AdReplyValue> {
  return await exchange(network, peer, hostAdProtocol, options, async conv => await conv.receive(AdReply))
}

/** Serves the ad `current()` returns (it throws RemoteRefusal NOT_A_HOST while host mode is off). */
export async function handleHostAd (network: Network, current: () => Promise<Omit<AdReplyValue, 'ok'>>): Promise<void> {
  await network.handle(hostAdProtocol, async conv => {
    await conv.send(AdReply, { ok: true, ...await current() })
  })
}
