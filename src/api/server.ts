import { unlink } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import type { BtfsNode } from '../node.js'
import type { Logger } from '../logger.js'
import { writeFileAtomic } from '../repo/index.js'
import { buildApp } from './app.js'
import type { ApiInstance } from './context.js'
import { assertSafeBinding, parseHostPort } from './security.js'

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
 * non-loopback address without api.token. Writes the base URL to the repo's `api` file, which
 * the CLI reads to find the running daemon, and removes it on close.
 */
export async function startApiServer (node: BtfsNode, address: string, log: Logger, addresses?: () => string[]): Promise<ApiServer> {
  const { host, port } = parseHostPort(address)
  assertSafeBinding(host, node.config.api.token)
  const app = await buildApp(node, { logger: log, ...(addresses !== undefined ? { addresses } : {}) })
  await app.listen({ host, port })
  const bound = app.server.address() as AddressInfo
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  const url = `http://${shownHost}:${bound.port}`
  await writeFileAtomic(node.repo.paths.api, url + '\n')
  let closing: Promise<void> | undefined
  return {
    app,
    url,
    close: async (graceMs = 5000) => {
      closing ??= (async () => {
        await unlink(node.repo.paths.api).catch(() => {})
        const timer = setTimeout(() => { app.server.closeAllConnections() }, graceMs)
        app.server.closeIdleConnections()
        await app.close()
        clearTimeout(timer)
      })()
      await closing
    }
  }
}
