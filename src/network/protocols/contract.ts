/**
 * /btfs-ts/contract/1.0.0: a renter proposes signed terms for one shard; the host answers with its
 * signature (`{ ok: true, hostSignature }`) or the error reply with a reason code the renter can
 * act on (PRICE_TOO_LOW, NO_CAPACITY, DURATION_OUT_OF_RANGE, BAD_SIGNATURE, BAD_TERMS, DUPLICATE,
 * OVERDUE, TOO_MANY_PENDING, NOT_A_HOST).
 */
import Type, { type Static } from 'typebox'
import type { AbortOptions } from '@libp2p/interface'
import { ContractTermsSchema, type ContractTerms } from '../../contracts/terms.js'
import { Signature } from '../../validation/types.js'
import type { Network } from '../interface.js'
import { Message } from '../message.js'
import type { ProtocolSpec } from '../protocol.js'
import { exchange } from './exchange.js'

export const contractProtocol: ProtocolSpec = {
  id: '/btfs-ts/contract/1.0.0',
  limits: { maxFrame: 8192, maxInbound: 8192, deadlineMs: 30_000, maxStreamsPerPeer: 4, maxStreams: 64, rate: { burst: 64, perSecond: 16 } },
  replies: { maxFrame: 4096, maxInbound: 4096 }
}

export const ProposalMessage = new Message('contract proposal', Type.Object({
  type: Type.Literal('propose'),
  terms: ContractTermsSchema,
  renterSignature: Signature()
}, { additionalProperties: false }))

export type Proposal = Static<typeof ProposalMessage.schema>

export const AcceptMessage = new Message('contract acceptance', Type.Object({ ok: Type.Literal(true), hostSignature: Signature() }, { additionalProperties: false }))

/** Proposes `terms` to their host; resolves to the host's signature (PEER_REJECTED with details.code when it declines). */
export async function propose (network: Network, terms: ContractTerms, renterSignature: string, options: AbortOptions = {}): Promise<string> {
  return await exchange(network, terms.hostPeer, contractProtocol, options, async conv => {
    await conv.send(ProposalMessage, { type: 'propose', terms, renterSignature })
    return (await conv.receive(AcceptMessage)).hostSignature
  })
}

/**
 * Serves proposals: `decide` gets a schema-checked proposal and the proposing peer, and returns
 * the host's signature or throws RemoteRefusal with its reason code.
 */
export async function handleContract (network: Network, decide: (proposal: Proposal, peer: string, signal: AbortSignal) => Promise<string>): Promise<void> {
  await network.handle(contractProtocol, async conv => {
    const proposal = await conv.receive(ProposalMessage)
    const hostSignature = await decide(proposal, conv.peer, conv.signal)
    await conv.send(AcceptMessage, { ok: true, hostSignature })
  })
}
