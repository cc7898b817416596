import type { AbortOptions } from '@libp2p/interface'
import { AppError } from '../../errors/index.js'
import { brokeProtocol } from '../errors.js'
import type { Network } from '../interface.js'
import type { Conversation, ProtocolSpec } from '../protocol.js'

/**
 * One client exchange: dials `peer` on `spec`, runs `fn`, always ends the stream. A refusal by the
 * peer comes out as PEER_REJECTED (details.code = its code), a peer that broke the protocol or
 * its limits (including the deadline) as PROTOCOL_ERROR; the caller's own abort passes through.
 */
export async function exchange<T> (network: Network, peer: string, spec: ProtocolSpec, options: AbortOptions & { deadlineMs?: number }, fn: (conv: Conversation) => Promise<T>): Promise<T> {
  const conv = await network.dial(peer, spec, options)
  let result: T
  try {
    result = await fn(conv)
  } catch (err) {
    throw failed(conv, err, options.signal)
  }
  await conv.close()
  return result
}

/**
 * Ends `conv` after `err` and returns what the caller should see: the caller's own abort reason
 * as it is, an AppError as it is (PEER_REJECTED for a refusal), anything else as PROTOCOL_ERROR.
 */
export function failed (conv: Conversation, err: unknown, signal?: AbortSignal): unknown {
  conv.abort(err instanceof Error ? err : new Error(String(err)))
  if (signal?.aborted === true && err === signal.reason) return err
  const explained = conv.explain(err)
  return explained instanceof AppError ? explained : brokeProtocol(explained)
}
