import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { AppError } from '../errors/index.js'
import { applyEnv, defaultConfig, mergeConfig, validateConfig, type Config } from '../config/index.js'
import { createWalletKey } from '../wallet/wallet.js'
import { createIdentity, loadIdentity, writeFileAtomic, type Identity } from './identity.js'
import { acquireLock, type RepoLock } from './lock.js'
import { repoPaths, repoVersion, type RepoPaths } from './paths.js'

/** What `Repo.init` did. */
export interface InitResult {
  paths: RepoPaths
  peerId: string
}

/**
 * A btfs-ts repo on disk: config, keystore, block packs and the LevelDB datastore, guarded by a
 * lock file so only one process uses it at a time. `Repo.open` takes the lock and loads config
 * and identity; stores are opened by the services that own them (see src/node.ts).
 */
export class Repo {
  readonly paths: RepoPaths
  readonly identity: Identity
  #config: Config
  #lock: RepoLock

  private constructor (paths: RepoPaths, config: Config, identity: Identity, lock: RepoLock) {
    this.paths = paths
    this.#config = config
    this.identity = identity
    this.#lock = lock
  }

  /** True when `root` holds a complete repo (its `version` file is written last by init). */
  static isInitialized (root: string): boolean {
    return existsSync(repoPaths(root).version)
  }

  /**
   * Creates a repo at `root`: config.json from config/default.json (merged with `config`),
   * a fresh Ed25519 identity in keystore/, and the version file last, so a crash mid-init
   * leaves a folder that the next init simply completes. Fails if a repo is already there. An
   * existing keystore/wallet.key is kept.
   */
  static async init (root: string, config: Partial<Config> = {}): Promise<InitResult> {
    const paths = repoPaths(root)
    if (Repo.isInitialized(root)) {
      throw new AppError('REPO_INVALID', `a btfs-ts repo already exists at ${root}`, { details: { repo: root } })
    }
    await mkdir(root, { recursive: true, mode: 0o700 })
    const merged = validateConfig(mergeConfig(defaultConfig(), config), 'init options')
    await writeFileAtomic(paths.config, JSON.stringify(merged, null, 2) + '\n', 0o600)
    const identity = await createIdentity(paths.identityKey)
    // A wallet key already there (a restored wallet, or an init cut short) is kept: it may hold funds.
    if (!existsSync(paths.walletKey)) await createWalletKey(paths.walletKey)
    await mkdir(paths.blocks, { recursive: true })
    await mkdir(paths.datastore, { recursive: true })
    await writeFileAtomic(paths.version, `${repoVersion}\n`)
    return { paths, peerId: identity.peerId.toString() }
  }

  /**
   * Opens the repo at `root` for `command`, taking its lock. The config is config.json merged
   * over the shipped defaults (so keys added by newer versions get their defaults), then env
   * overrides. Throws REPO_INVALID when there is no repo, REPO_LOCKED when another process
   * holds it.
   */
  static async open (root: string, command: string, env: NodeJS.ProcessEnv = process.env): Promise<Repo> {
    const paths = repoPaths(root)
    if (!Repo.isInitialized(root)) {
      throw new AppError('REPO_INVALID', `no btfs-ts repo at ${root}: run "btfs-ts init" or start the daemon once`, { details: { repo: root } })
    }
    const version = Number((await readFile(paths.version, 'utf8')).trim())
    if (version !== repoVersion) {
      throw new AppError('REPO_INVALID', `repo ${root} has format version ${version}; this btfs-ts reads version ${repoVersion}`)
    }
    const lock = await acquireLock(root, paths.lock, command)
    try {
      const config = applyEnv(await readConfigFile(paths.config), env)
      const identity = await loadIdentity(paths.identityKey)
      return new Repo(paths, config, identity, lock)
    } catch (err) {
      await lock.release()
      throw err
    }
  }

  /** The effective configuration (file + defaults + env). */
  get config (): Config {
    return this.#config
  }

  /** Replaces the in-memory config for this process (flags), without writing it. */
  override (config: Config): void {
    this.#config = config
  }

  /** Releases the lock. Services must be stopped first. */
  async close (): Promise<void> {
    await this.#lock.release()
  }
}

/** Reads config.json of a repo merged over the defaults, validated. */
export async function readConfigFile (path: string): Promise<Config> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `cannot read ${path}: ${(err as Error).message}`)
  }
  return validateConfig(mergeConfig(defaultConfig(), raw), path)
}

/** Writes config.json of a repo (validated first). Works whether or not a daemon runs. */
export async function writeConfigFile (path: string, config: Config): Promise<void> {
  validateConfig(config, 'new configuration')
  await writeFileAtomic(path, JSON.stringify(config, null, 2) + '\n', 0o600)
}
