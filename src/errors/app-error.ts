import { errorRegistry, type ErrorCode } from './registry.js'

/**
 * The error type every btfs-ts service throws for conditions a user can act on. `code` is
 * stable (tests and clients match on it), `status` comes from the registry, `details` carries
 * typed, non-secret context (never keys or tokens).
 */
export class AppError extends Error {
  static override name = 'AppError'
  readonly code: ErrorCode
  readonly status: number
  readonly details?: Record<string, unknown>

  constructor (code: ErrorCode, message?: string, options?: { details?: Record<string, unknown>, cause?: unknown }) {
    super(message ?? errorRegistry[code].message, { cause: options?.cause })
    this.name = 'AppError'
    this.code = code
    this.status = errorRegistry[code].status
    if (options?.details !== undefined) this.details = options.details
  }
}

/** True when `err` is an AppError, optionally with the given code. */
export function isAppError (err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code)
}
