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
import { ContractStore } from './contracts/store.js'
import { HostService, type HostSettings } from './host/host-service.js'
import { HostShardStore } from './host/shard-store.js'
import { Libp2pNetwork } from './network/network.js'
import type { Network } from './network/interface.js'
import { ContractLifecycle } from './contracts/lifecycle.js'
import { HostBook } from './host/book.js'
import { HostRounds } from './host/rounds.js'
import { SessionStore } from './renter/sessions.js'
import { HostClient } from './renter/host-client.js'
import { ShardPlacer } from './renter/placer.js'
import { Renewer } from './renter/renewal.js'
import { RateLimiter } from './renter/rate.js'
import { HostDirectory } from './renter/directory.js'
import { Retriever } from './renter/retrieve.js'
import { UploadService } from './renter/upload.js'
import { ProofScheduler } from './renter/proofs.js'
import { HostProver } from './host/prover.js'
import { HostSelfCheck } from './host/self-check.js'
import { RepairService } from './renter/repair.js'
import { parseDuration } from './proofs/challenge.js'
import { Wallet } from './wallet/wallet.js'
import { chainClient, ChequeReceiver, Payer, type ChainClient } from './settlement/index.js'
import { AppError } from './errors/index.js'
import { readConfigFile, writeConfigFile } from './repo/repo.js'
import { setConfigValue } from './config/index.js'

/** The networked services: present in the daemon, absent in the CLI's offline mode. */
export interface Online {
  network: Network
  wallet: Wallet
  contracts: ContractStore
  host: HostService
  directory: HostDirectory
  uploads: UploadService
  retriever: Retriever
  prover: HostProver
  selfCheck: HostSelfCheck
  proofs: ProofScheduler
  repair: RepairService
  chain: ChainClient
  payer: Payer
  receiver: ChequeReceiver
}

export interface NodeOptions {
  /** Start libp2p, the host role and the renter's storage services (the daemon does). */
  network?: boolean
}

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
  readonly #online?: Online
  readonly #stack: Started[]
  #stopped = false

  private constructor (repo: Repo, log: Logger, datastore: Datastore, stack: Started[], blocks: BlockStore, hashes: HashPool, hashers: ShardHashers, online?: (node: BtfsNode) => Online) {
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
    this.#online = online?.(this)
  }

  /** The networked services; NETWORK_OFFLINE in offline mode. */
  get online (): Online {
    if (this.#online === undefined) throw new AppError('NETWORK_OFFLINE', 'this command needs the daemon: start it with "btfs-ts daemon"')
    return this.#online
  }

  /** True when the networked services run. */
  get isOnline (): boolean {
    return this.#online !== undefined
  }

  /** Opens the datastore and starts every service of the node on `repo` (already open and locked). */
  static async start (repo: Repo, log: Logger, options: NodeOptions = {}): Promise<BtfsNode> {
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
      if (options.network !== true) return new BtfsNode(repo, log, datastore, stack, blocks, hashes, hashers)
      const { config, paths } = repo
      const wallet = await Wallet.open(paths.walletKey)
      const contracts = new ContractStore(datastore)
      const lifecycle = new ContractLifecycle(contracts)
      const network = await Libp2pNetwork.start({ privateKey: repo.identity.privateKey, ...config.network, logger: log.child({ component: 'network' }) })
      stack.push({ name: 'network', stop: async () => { await network.stop() } })
      const chainId = config.wallet.chainId
      const saveSettings = async (changes: Partial<HostSettings>): Promise<void> => {
        const file = await readConfigFile(paths.config)
        await writeConfigFile(paths.config, setConfigValue(file, 'host', { ...file.host, ...changes }))
        repo.override(setConfigValue(repo.config, 'host', { ...repo.config.host, ...changes }))
      }
      const chain = await chainClient(config, wallet, log.child({ component: 'chain' }))
      await chain.check()
      // host role: its book of contracts first (every host-side check reads it), then the services
      const book = new HostBook()
      const rounds = new HostRounds(datastore)
      const receiver = new ChequeReceiver({ network, wallet, contracts, book, rounds, datastore, logger: log.child({ component: 'cheques' }), chainId, chain, graceMs: parseDuration(config.settlement.grace) })
      const overdue = async (renter: string): Promise<boolean> => await receiver.overdue({ address: renter })
      const hostShards = new HostShardStore(paths.shards)
      const host = new HostService({
        network, wallet, contracts, lifecycle, book, rounds, shards: hostShards, logger: log.child({ component: 'host' }), chainId, settings: config.host,
        expiryGraceMs: parseDuration(config.host.expiryGrace), reservationMs: parseDuration(config.host.reservationTimeout),
        minChallengeIntervalMs: parseDuration(config.host.minChallengeInterval), saveSettings, overdue
      })
      await host.start()
      stack.push({ name: 'host', stop: async () => { await host.stop() } })
      await receiver.start()
      stack.push({ name: 'cheques', stop: async () => { await receiver.stop() } })
      const prover = new HostProver({ network, wallet, contracts, book, rounds, shards: hostShards, logger: log.child({ component: 'prover' }), chainId, overdue })
      await prover.start()
      stack.push({ name: 'prover', stop: async () => { await prover.stop() } })
      const selfCheck = new HostSelfCheck({
        contracts, shards: hostShards, datastore, logger: log.child({ component: 'self-check' }),
        intervalMs: parseDuration(config.host.selfCheckInterval), rate: config.host.selfCheckRate, onBad: cid => { prover.forget(cid) }
      })
      selfCheck.start()
      stack.push({ name: 'self-check', stop: async () => { await selfCheck.stop() } })
      // renter role
      let repair: RepairService | undefined
      const payer = new Payer({
        network, wallet, datastore, logger: log.child({ component: 'payer' }), chainId,
        vault: config.settlement.chain.kind === 'tron' ? config.settlement.chain.vault ?? wallet.address : wallet.address
      })
      const proofs = new ProofScheduler({
        network, contracts, lifecycle, datastore, logger: log.child({ component: 'proofs' }), chainId,
        timeoutMs: parseDuration(config.proofs.timeout), maxFailures: config.proofs.maxFailures,
        onFailed: () => { repair?.poke() },
        onRound: (record, round, period) => { payer.onRound(record, round, period) }
      })
      await proofs.start()
      stack.push({ name: 'proofs', stop: async () => { await proofs.stop() } })
      payer.start()
      stack.push({ name: 'payer', stop: async () => { await payer.stop() } })
      const directory = new HostDirectory({ network, datastore, logger: log.child({ component: 'hosts' }), chainId, refreshSeconds: config.storage.hostsRefresh })
      const online = (n: BtfsNode): Online => {
        const retriever = new Retriever({ network, contracts, shards: n.shards, logger: log.child({ component: 'retrieve' }), tmpDir: paths.tmp, extra: config.storage.retrieveExtra })
        const sessions = new SessionStore(datastore)
        const hostClient = new HostClient({ network, wallet, lifecycle, chainId })
        const placer = new ShardPlacer({
          contracts, lifecycle, hosts: hostClient, directory, shards: n.shards, sessions, limiter: new RateLimiter(config.storage.uploadRate), logger: log.child({ component: 'upload' }),
          renter: { address: wallet.address, peerId: network.peerId },
          policy: { challengeIntervalMs: parseDuration(config.proofs.interval), challengeLeaves: config.proofs.leaves },
          maxAttempts: config.storage.maxAttempts
        })
        let uploads: UploadService | undefined
        const renewer = new Renewer({ lifecycle, hosts: hostClient, directory, sessions, logger: log.child({ component: 'renewal' }), busy: id => uploads?.busy(id) ?? true })
        uploads = new UploadService({
          sessions, placer, renewer: () => renewer, shards: n.shards, files: n.files, logger: log.child({ component: 'upload' }),
          fromHosts: async (manifest, signal) => await retriever.openManifest(manifest, { fetch: true, signal }),
          defaults: { k: config.shards.k, m: config.shards.m, duration: config.storage.duration, maxPrice: config.storage.maxPrice }
        })
        repair = new RepairService({
          uploads, contracts, logger: log.child({ component: 'repair' }), intervalMs: parseDuration(config.storage.repairInterval),
          threshold: config.storage.repairThreshold, autoRenew: config.storage.autoRenew, renewBeforeMs: parseDuration(config.storage.renewBefore)
        })
        return { network, wallet, contracts, host, directory, uploads, retriever, prover, selfCheck, proofs, repair, chain, payer, receiver }
      }
      const created = new BtfsNode(repo, log, datastore, stack, blocks, hashes, hashers, online)
      const services = created.online
      await services.retriever.start()
      await services.uploads.start()
      stack.push({ name: 'uploads', stop: async () => { await services.uploads.stop() } })
      services.repair.start()
      stack.push({ name: 'repair', stop: async () => { await services.repair.stop() } })
      return created
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
