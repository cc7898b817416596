import { randomBytes } from 'node:crypto'
import { readFile, unlink } from 'node:fs/promises'
import { writeFileAtomic } from './atomic-write.js'

/**
 * The API cookie (as bitcoind's `.cookie`): a random secret the daemon writes to
 * `<repo>/api.cookie` at start (mode 0600 in the 0700 repo, so only the daemon's own user can
 * read it) and removes at stop. Routes that touch the daemon's files or spend from its wallet
 * accept it as `Authorization: Bearer <cookie>`, so the daemon's user (through the CLI) can use
 * them and other local users cannot. The value is never logged and never returned by the API.
 */
export interface ApiCookie {
  /** The secret (64 hex digits). */
  readonly secret: string
  /** Deletes the file; idempotent. */
  remove: () => Promise<void>
}

/** Writes a fresh cookie to `path` (atomically, 0600) and returns it. */
export async function writeApiCookie (path: string): Promise<ApiCookie> {
  const secret = randomBytes(32).toString('hex')
  await writeFileAtomic(path, secret + '\n', 0o600)
  let removed = false
  return {
    secret,
    remove: async () => {
      if (removed) return
      removed = true
      await unlink(path).catch(() => {})
    }
  }
}

/** The cookie in `path`, or '' when there is none or this user cannot read it. */
export async function readApiCookie (path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const secret = text.trim()
  return /^[0-9a-f]{64}$/.test(secret) ? secret : ''
}
