/**
 * /btfs-ts/cheque/1.0.0: a renter sends a host its latest cumulative cheque with the periods it
 * covers since the one before; the host answers `{ok: true}` or the error reply with the reason
 * (WRONG_BENEFICIARY, BAD_SIGNATURE, NOT_INCREASING, INCREMENT_MISMATCH, NOT_CONTIGUOUS, BAD_CHEQUE).
 */
import Type, { type Static } from 'typebox'
import type { AbortOptions } from '@libp2p/interface'
import { Hex32, Signature, TronAddress, Uint, Uint256 } from '../../validation/types.js'
import type { Network } from '../interface.js'
import { Message } from '../message.js'
import type { ProtocolSpec } from '../protocol.js'
import { exchange } from './exchange.js'

/** Most periods one cheque lists (the renter sends several cheques when more are owed). */
export const maxPeriodsPerCheque = 256

export const chequeProtocol: ProtocolSpec = {
  id: '/btfs-ts/cheque/1.0.0',
  limits: { maxFrame: 128 * 1024, maxInbound: 128 * 1024, deadlineMs: 30_000, maxStreamsPerPeer: 2, maxStreams: 32, rate: { burst: 16, perSecond: 4 } },
  replies: { maxFrame: 2048, maxInbound: 2048 }
}

export const ChequeSchema = Type.Object({
  vault: TronAddress('the vault the cheque draws on'),
  beneficiary: TronAddress("the host's wallet"),
  cumulativePayout: Uint256('total paid to the beneficiary so far, BTT base units'),
  signature: Signature()
}, { additionalProperties: false })

/**
 * One span of one contract's term, closed by a challenge round: `from` is where the round before
 * closed (or the contract's start), `to` the `at` of this round as the renter sent it. A passed
 * round's period is paid `amount`; a failed or missed one is listed with amount 0, so the periods
 * of a contract cover its term without a gap (the host refuses a cheque that skips a span).
 */
export const PeriodSchema = Type.Object({
  contractId: Hex32(),
  nonce: Hex32('the nonce of the round that closes the period'),
  from: Uint({ maximum: 2 ** 43, description: 'unix ms' }),
  to: Uint({ maximum: 2 ** 43, description: 'unix ms' }),
  verdict: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('missed')]),
  amount: Uint256('BTT base units this period earned (0 unless passed)')
}, { additionalProperties: false })

export const ChequeMessage = new Message('cheque', Type.Object({
  cheque: ChequeSchema,
  periods: Type.Array(PeriodSchema, { minItems: 1, maxItems: maxPeriodsPerCheque })
}, { additionalProperties: false }))

export type ChequeValue = Static<typeof ChequeSchema>
export type PeriodValue = Static<typeof PeriodSchema>

const Accepted = new Message('cheque acceptance', Type.Object({ ok: Type.Literal(true) }, { additionalProperties: false }))

/** Sends a cheque and its periods to `peer`; PEER_REJECTED (details.code = the reason) when refused. */
export async function sendCheque (network: Network, peer: string, cheque: ChequeValue, periods: PeriodValue[], options: AbortOptions = {}): Promise<void> {
  await exchange(network, peer, chequeProtocol, options, async conv => {
    await conv.send(ChequeMessage, { cheque, periods })
    await conv.receive(Accepted)
  })
}

/** Serves cheques: `credit` checks and books one (throwing RemoteRefusal with the reason to refuse it). */
export async function handleCheque (network: Network, credit: (message: Static<typeof ChequeMessage.schema>, peer: string) => Promise<void>): Promise<void> {
  await network.handle(chequeProtocol, async conv => {
    const message = await conv.receive(ChequeMessage)
    await credit(message, conv.peer)
    await conv.send(Accepted, { ok: true })
  })
}
