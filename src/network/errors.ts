import { AppError } from '../errors/index.js'

/**
 * Why a peer's input was refused by the protocol layer, before any handler ran: the code goes back
 * in the error reply (`{ ok: false, code, message }`) and into the debug log.
 */
export type ViolationCode =
  | 'BAD_MESSAGE' // a frame that is not the JSON (or binary) message the schema allows
  | 'BAD_FRAME' // an unreadable length prefix
  | 'FRAME_TOO_LARGE'
  | 'TOO_MUCH_DATA' // more bytes on the stream than the exchange allows
  | 'TOO_SLOW' // under the protocol's minimum rate
  | 'TIMEOUT' // over the protocol's deadline
  | 'CLOSED' // the stream ended mid-exchange
  | 'RATE_LIMITED' // the peer opened streams faster than its token bucket allows
  | 'TOO_MANY_STREAMS' // the peer has the most concurrent streams it may have on this protocol
  | 'BUSY' // the node has the most concurrent streams it takes on this protocol

/** The peer broke the wire protocol or one of its limits (detected on this side). */
export class ProtocolViolation extends Error {
  static override name = 'ProtocolViolation'
  readonly code: ViolationCode

  constructor (code: ViolationCode, message: string) {
    super(message)
    this.name = 'ProtocolViolation'
    this.code = code
  }
}

/** The error reply every protocol sends when it refuses a request: the one shape. */
export interface ErrorReply {
  ok: false
  /** A stable code: a ViolationCode, or the handler's own (NOT_FOUND, OVERDUE, …). */
  code: string
  message: string
}

/** The error reply for `err`: its code when it is a violation or an AppError, else INTERNAL. */
export function errorReply (err: unknown): ErrorReply {
  if (err instanceof ProtocolViolation) return { ok: false, code: err.code, message: err.message }
  if (err instanceof RemoteRefusal) return { ok: false, code: err.remoteCode, message: err.message }
  if (err instanceof AppError && err.status < 500) return { ok: false, code: err.code, message: err.message }
  return { ok: false, code: 'INTERNAL', message: 'internal error' }
}

/**
 * A handler's refusal with a code of the protocol's own (NOT_FOUND, OVERDUE, REJECTED …): sent
 * as the error reply; on the client it is a PEER_REJECTED AppError whose details carry the code.
 */
export class RemoteRefusal extends Error {
  static override name = 'RemoteRefusal'
  readonly remoteCode: string

  constructor (code: string, message: string) {
    super(message)
    this.name = 'RemoteRefusal'
    this.remoteCode = code
  }
}

/** The client's view of an error reply: PEER_REJECTED with the remote code in details. */
export function rejected (reply: { code: string, message: string }): AppError {
  return new AppError('PEER_REJECTED', `${reply.code}: ${reply.message}`, { details: { code: reply.code } })
}

/** The client's view of a peer that broke the protocol: PROTOCOL_ERROR. */
export function brokeProtocol (err: unknown): AppError {
  if (err instanceof AppError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new AppError('PROTOCOL_ERROR', message, { cause: err, ...(err instanceof ProtocolViolation ? { details: { code: err.code } } : {}) })
}
