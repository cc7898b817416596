import './polyfill.js'
import createMortice from 'mortice'
import { PackBlockStore, type BlockStore } from './blocks/index.js'
import type { Config } from './config/index.js'
import { FilesService } from './files/files-service.js'
import type { Logger } from './logger.js'
import { PinService } from './pins/pin-service.js'
import { PinStore } from './pins/pin-store.js'
import { HashPool } from './unixfs/hash-pool.js'
import { ShardHashers } from './shards/hash-workers.js'
import { ShardService } from './shards/service.js'
import type { Repo } from './repo/index.js'
import { Datastore } from './store/index.js'

/** A started service, stopped in reverse start order. */
interface Started {
  name: string
  stop: () => Promise<void>
}

/**
 * The composition root: builds every service of a btfs-ts node from an open repo, starts them
 * in dependency order and stops them in reverse (if one fails to start, the ones already
 * started are stopped and the error is rethrown). Both the daemon and the CLI's offline mode
 * use it, so they run the same code.
 */
export class BtfsNode {
  readonly repo: Repo
  readonly log: Logger
  readonly datastore: Datastore
  readonly blocks: BlockStore
  readonly pins: PinService
  readonly files: FilesService
  readonly shards: ShardService
  readonly #stack: Started[]
  #stopped = false

  private constructor (repo: Repo, log: Logger, datastore: Datastore, stack: Started[], blocks: BlockStore, hashes: HashPool, hashers: ShardHashers) {
    this.repo = repo
    this.log = log
    this.datastore = datastore
    this.blocks = blocks
    this.#stack = stack
    const gcLock = createMortice({ singleProcess: true })
    const pinStore = new PinStore(datastore)
    this.files = new FilesService({ blocks, datastore, pins: pinStore, gcLock, hashes, logger: log })
    this.pins = new PinService({ blocks, datastore, pins: pinStore, files: this.files.records, gcLock, logger: log })
    this.shards = new ShardService({
      files: this.files, blocks, datastore, pins: pinStore, hashers, gcLock, logger: log,
      sealingSecretPath: repo.paths.filesKey, defaults: repo.config.shards, fsync: repo.config.blocks.fsync
    })
  }

  /** Opens the datastore and starts every service of the node on `repo` (already open and locked). */
  static async start (repo: Repo, log: Logger): Promise<BtfsNode> {
    const stack: Started[] = []
    try {
      const datastore = await Datastore.open(repo.paths.datastore, log)
      stack.push({ name: 'datastore', stop: async () => { await datastore.close() } })
      const blocks = new PackBlockStore({ dir: repo.paths.blocks, fsync: repo.config.blocks.fsync }, { datastore, logger: log })
      await blocks.start()
      stack.push({ name: 'blocks', stop: async () => { await blocks.stop() } })
      const hashes = new HashPool()
      stack.push({ name: 'hashes', stop: async () => { await hashes.close() } })
      const hashers = new ShardHashers()
      stack.push({ name: 'shard hashers', stop: async () => { await hashers.close() } })
      return new BtfsNode(repo, log, datastore, stack, blocks, hashes, hashers)
    } catch (err) {
      await stopAll(stack, log)
      await repo.close()
      throw err
    }
  }

  /** The node's configuration. */
  get config (): Config {
    return this.repo.config
  }

  /** Stops every service in reverse start order, then releases the repo lock. Idempotent. */
  async stop (): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    await stopAll(this.#stack, this.log)
    await this.repo.close()
  }
}

async function stopAll (stack: Started[], log: Logger): Promise<void> {
  for (const service of [...stack].reverse()) {
    try {
      await service.stop()
    } catch (err) {
      log.error({ err, service: service.name }, 'service failed to stop cleanly')
    }
  }
}
