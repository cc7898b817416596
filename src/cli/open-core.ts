import { readFile } from 'node:fs/promises'
import { BtfsNode } from '../node.js'
import { createLogger } from '../logger.js'
import { Repo, liveLockOwner, readConfigFile, repoPaths } from '../repo/index.js'
import type { Core } from './core.js'
import { HttpCore } from './http-core.js'
import { LocalCore } from './local-core.js'

/** How the CLI reaches a node. */
export interface CoreTarget {
  repoPath: string
  /** An explicit API URL (`--api`): always use HTTP. */
  apiUrl?: string
}

/**
 * Picks how to run a command, as kubo does: when a daemon holds the repo and has written its
 * API address, talk to it over HTTP; otherwise open the repo in-process (taking its lock).
 */
export async function openCore (target: CoreTarget): Promise<Core> {
  const paths = repoPaths(target.repoPath)
  const token = Repo.isInitialized(target.repoPath) ? (await readConfigFile(paths.config)).api.token : ''
  if (target.apiUrl !== undefined) return new HttpCore(normalizeUrl(target.apiUrl), token)
  const owner = await liveLockOwner(paths.lock)
  if (owner !== undefined) {
    const url = (await readFile(paths.api, 'utf8').catch(() => '')).trim()
    if (url !== '') return new HttpCore(url, token)
  }
  const repo = await Repo.open(target.repoPath, process.argv.slice(2).join(' '))
  const node = await BtfsNode.start(repo, createLogger(repo.config.log.level === 'info' ? 'warn' : repo.config.log.level))
  return new LocalCore(node)
}

function normalizeUrl (value: string): string {
  return /^https?:\/\//.test(value) ? value : `http://${value}`
}
