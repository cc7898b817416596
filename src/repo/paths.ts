import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** Where the files of a repo live; one place, so nothing else joins repo paths by hand. */
export interface RepoPaths {
  root: string
  config: string
  version: string
  lock: string
  /** Written by a running daemon: the base URL of its API, read by the CLI. */
  api: string
  /** Written by a running daemon (0600): the secret that unlocks its privileged routes (see api-cookie.ts). */
  cookie: string
  keystore: string
  identityKey: string
  /** Secret that seals the file keys of shard manifests (created on first use). */
  filesKey: string
  /** The TRON wallet's secp256k1 private key (hex), apart from the libp2p identity. */
  walletKey: string
  /** Host side: shard files, by CID, and their partial uploads. */
  shards: string
  /** Scratch space (shards fetched for a rebuild); emptied at start. */
  tmp: string
  blocks: string
  datastore: string
}

/** The repo format this build reads and writes (file `version` in the repo). */
export const repoVersion = 1

/**
 * Resolves the repo directory: `--repo` flag, else env `BTFS_TS_PATH`, else `~/.btfs-ts`.
 */
export function resolveRepoPath (flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env.BTFS_TS_PATH !== undefined && env.BTFS_TS_PATH !== '' ? env.BTFS_TS_PATH : join(homedir(), '.btfs-ts'))
  return resolve(chosen)
}

/** The layout of the repo at `root`. */
export function repoPaths (root: string): RepoPaths {
  return {
    root,
    config: join(root, 'config.json'),
    version: join(root, 'version'),
    lock: join(root, 'repo.lock'),
    api: join(root, 'api'),
    cookie: join(root, 'api.cookie'),
    keystore: join(root, 'keystore'),
    identityKey: join(root, 'keystore', 'identity.key'),
    filesKey: join(root, 'keystore', 'files.key'),
    walletKey: join(root, 'keystore', 'wallet.key'),
    shards: join(root, 'shards'),
    tmp: join(root, 'tmp'),
    blocks: join(root, 'blocks'),
    datastore: join(root, 'datastore')
  }
}
