import { readFile } from 'node:fs/promises'
import { liveLockOwner } from '../repo/lock.js'
import { repoPaths } from '../repo/paths.js'
import { readApiCookie } from '../repo/api-cookie.js'
import type { Core } from './core.js'
import { HttpCore } from './http-core.js'

/** How the CLI reaches a node. */
export interface CoreTarget {
  repoPath: string
  /** An explicit API URL (`--api-url`): always use HTTP. */
  apiUrl?: string
}

/** The API token from the repo's config.json, if any (the daemon validates the file). */
async function readToken (configPath: string): Promise<string> {
  try {
    const token = (JSON.parse(await readFile(configPath, 'utf8')) as { api?: { token?: unknown } }).api?.token
    return typeof token === 'string' ? token : ''
  } catch {
    return ''
  }
}

/**
 * The credential the CLI sends to `url`: api.token when one is set (it opens every route), else
 * the API cookie of the repo's running daemon — which only the daemon's own user can read and
 * which opens its privileged routes (shards encode/decode, wallet transactions, cheque cashing)
 * — and only when `url` is that daemon's (its `api` file): `--api-url` elsewhere gets no cookie.
 */
async function readCredential (paths: ReturnType<typeof repoPaths>, url: string): Promise<string> {
  const token = await readToken(paths.config)
  if (token !== '') return token
  const own = (await readFile(paths.api, 'utf8').catch(() => '')).trim()
  return own !== '' && own.replace(/\/+$/, '') === url.replace(/\/+$/, '') ? await readApiCookie(paths.cookie) : ''
}

/**
 * Picks how to run a command, as kubo does: when a daemon holds the repo and has written its
 * API address, talk to it over HTTP; otherwise open the repo in-process (taking its lock). The
 * in-process node is imported only then, so commands sent to a daemon start quickly.
 */
export async function openCore (target: CoreTarget): Promise<Core> {
  const paths = repoPaths(target.repoPath)
  if (target.apiUrl !== undefined) {
    const url = normalizeUrl(target.apiUrl)
    return new HttpCore(url, await readCredential(paths, url))
  }
  if (await liveLockOwner(paths.lock) !== undefined) {
    const url = (await readFile(paths.api, 'utf8').catch(() => '')).trim()
    if (url !== '') return new HttpCore(url, await readCredential(paths, url))
  }
  const [{ Repo }, { BtfsNode }, { createLogger }, { LocalCore }] = await Promise.all([
    import('../repo/repo.js'), import('../node.js'), import('../logger.js'), import('./local-core.js')
  ])
  const repo = await Repo.open(target.repoPath, process.argv.slice(2).join(' '))
  const node = await BtfsNode.start(repo, createLogger(repo.config.log.level === 'info' ? 'warn' : repo.config.log.level))
  return new LocalCore(node)
}

function normalizeUrl (value: string): string {
  return /^https?:\/\//.test(value) ? value : `http://${value}`
}
