/**
 * /btfs-ts/challenge/1.0.0: a renter challenges a host over one of their contracts. The request
 * is `{contractId, nonce, at}` (at: the renter's clock, unix ms — the host logs it, and periods
 * in cheques end exactly there); the answer is one binary frame (src/proofs/answer-codec.ts) or
 * the error reply (NOT_FOUND, OVERDUE, RATE_LIMITED, CLOCK_SKEW, …).
 */
import Type, { type Static } from 'typebox'
import type { AbortOptions } from '@libp2p/interface'
import { AnswerFormatError, decodeAnswer, maxAnswerBytes } from '../../proofs/answer-codec.js'
import type { ChallengeAnswer } from '../../proofs/challenge.js'
import { Hex32, Uint } from '../../validation/types.js'
import { ProtocolViolation } from '../errors.js'
import type { Network } from '../interface.js'
import { Message } from '../message.js'
import type { ProtocolSpec } from '../protocol.js'
import { exchange } from './exchange.js'

export const challengeProtocol: ProtocolSpec = {
  id: '/btfs-ts/challenge/1.0.0',
  limits: { maxFrame: 512, maxInbound: 512, deadlineMs: 30_000, maxStreamsPerPeer: 8, maxStreams: 64, rate: { burst: 64, perSecond: 16 } }
}

export const ChallengeRequest = new Message('challenge', Type.Object({
  contractId: Hex32(),
  nonce: Hex32('0x + 32 random bytes of the renter'),
  at: Uint({ maximum: 2 ** 43, description: "the renter's clock, unix ms" })
}, { additionalProperties: false }))

export type ChallengeRequestValue = Static<typeof ChallengeRequest.schema>

/**
 * Sends a challenge and reads the answer, bounded by what a contract of these terms can answer
 * (`leaves` leaves of `leafSize` bytes in a tree of `leafCount` leaves).
 */
export async function challenge (network: Network, peer: string, request: ChallengeRequestValue, bounds: { leaves: number, leafSize: number, leafCount: number }, options: AbortOptions & { deadlineMs?: number } = {}): Promise<ChallengeAnswer> {
  const max = maxAnswerBytes(bounds.leaves, bounds.leafSize, bounds.leafCount)
  return await exchange(network, peer, { ...challengeProtocol, replies: { maxFrame: max, maxInbound: max + 16 } }, options, async conv => {
    await conv.send(ChallengeRequest, request)
    const frame = await conv.receiveBytes()
    try {
      return decodeAnswer(frame)
    } catch (err) {
      if (err instanceof AnswerFormatError) throw new ProtocolViolation('BAD_MESSAGE', `not a challenge answer: ${err.message}`)
      throw err
    }
  })
}

/** Serves challenges: `answer` gets a schema-checked request and returns the encoded answer frame. */
export async function handleChallenge (network: Network, answer: (request: ChallengeRequestValue, peer: string, signal: AbortSignal) => Promise<Uint8Array>): Promise<void> {
  await network.handle(challengeProtocol, async conv => {
    const request = await conv.receive(ChallengeRequest)
    await conv.sendBytes(await answer(request, conv.peer, conv.signal))
  })
}
