import { isAbsolute, normalize, sep } from 'node:path'
import Type from 'typebox'
import { AppError } from '../errors/index.js'

/** The longest path accepted (Linux's PATH_MAX). */
export const maxPathLength = 4096

/** Schema of a query parameter naming a folder on the daemon's host. */
export const DaemonPath = (description: string): ReturnType<typeof Type.String> =>
  Type.String({ minLength: 1, maxLength: maxPathLength, description: `${description}: absolute and normalized (no "..", ".", "//"), on the daemon host` })

/**
 * Checks a path a client gives for the daemon to read or write: absolute (a relative one would
 * resolve against the daemon's working directory, which the client does not know), normalized
 * (no `.` or `..` segments, no doubled separators: what is asked is what is touched), and
 * without NUL bytes. Throws INVALID_PATH naming the parameter; returns the path unchanged.
 */
export function daemonPath (value: string, name: string): string {
  const shown = value.length > 100 ? value.slice(0, 100) + '…' : value
  if (value.includes('\0')) throw new AppError('INVALID_PATH', `${name} must not contain NUL bytes`)
  if (!isAbsolute(value)) throw new AppError('INVALID_PATH', `${name} must be an absolute path on the daemon host, got "${shown}"`)
  const trimmed = value.length > 1 && value.endsWith(sep) ? value.slice(0, -1) : value
  if (normalize(trimmed) !== trimmed || trimmed.split(sep).includes('..')) {
    throw new AppError('INVALID_PATH', `${name} must be a normalized path (no ".", ".." or doubled "${sep}"), got "${shown}"`)
  }
  return value
}
