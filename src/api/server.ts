import { unlink } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import type { BtfsNode } from '../node.js'
import type { Logger } from '../logger.js'
import { writeApiCookie, writeFileAtomic } from '../repo/index.js'
import { durationMs } from '../config/duration.js'
import { buildApp } from './app.js'
import type { ApiInstance } from './context.js'
import { assertSafeBinding, parseHostPort } from './security.js'
import { applyServerLimits } from './server-limits.js'

/** A listening API server. */
export interface ApiServer {
  app: ApiInstance
  /** Base URL clients use, e.g. http://127.0.0.1:5001. */
  url: string
  /** Stops accepting connections; in-flight requests get `graceMs`, then their sockets close. */
  close: (graceMs?: number) => Promise<void>
}

/**
 * Builds the app and listens on `address` (host:port; port 0 picks a free one). Refuses a
 * non-loopback address without api.token. Writes a fresh API cookie to the repo first (its
 * secret unlocks the privileged routes), then, once listening, the base URL to the repo's `api`
 * file, which the CLI reads to find the running daemon; removes both on close. The connection
 * limits of `api.*` (headers and idle timeouts, the connection cap) apply to the server.
 */
export async function startApiServer (node: BtfsNode, address: string, log: Logger, addresses?: () => string[]): Promise<ApiServer> {
  const { host, port } = parseHostPort(address)
  assertSafeBinding(host, node.config.api.token)
  const paths = node.repo.paths
  const cookie = await writeApiCookie(paths.cookie)
  const app = await buildApp(node, { logger: log, cookie: cookie.secret, ...(addresses !== undefined ? { addresses } : {}) }).catch(async (err: unknown) => {
    await cookie.remove()
    throw err
  })
  try {
    const api = node.config.api
    applyServerLimits(app.server, {
      headersTimeoutMs: durationMs(api.headersTimeout) ?? 0,
      idleTimeoutMs: durationMs(api.idleTimeout) ?? 0,
      maxConnections: api.maxConnections
    })
    await app.listen({ host, port })
  } catch (err) {
    await app.close().catch(() => {})
    await cookie.remove()
    throw err
  }
  const bound = app.server.address() as AddressInfo
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  const url = `http://${shownHost}:${bound.port}`
  await writeFileAtomic(paths.api, url + '\n')
  let closing: Promise<void> | undefined
  return {
    app,
    url,
    close: async (graceMs = 5000) => {
      closing ??= (async () => {
        await unlink(paths.api).catch(() => {})
        await cookie.remove()
        const timer = setTimeout(() => { app.server.closeAllConnections() }, graceMs)
        app.server.closeIdleConnections()
        await app.close()
        clearTimeout(timer)
      })()
      await closing
    }
  }
}
