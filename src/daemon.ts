import { startApiServer, type ApiServer } from './api/server.js'
import { BtfsNode } from './node.js'
import { createLogger, type Logger } from './logger.js'
import { Repo } from './repo/index.js'
import { setConfigValue } from './config/index.js'

/** Options of `runDaemon` (from CLI flags). */
export interface DaemonOptions {
  repoPath: string
  /** Overrides api.address (host:port). */
  api?: string
  /** Turns host mode on (host.enabled) for this run. */
  host?: boolean
  /** Overrides network.listen. */
  listen?: string[]
  /** Overrides network.bootstrap. */
  bootstrap?: string[]
  /** Where to print the human banner (stdout by default). */
  out?: (line: string) => void
}

/** A running daemon. */
export interface Daemon {
  node: BtfsNode
  api: ApiServer
  log: Logger
  /** Stops HTTP, then the node's services, then LevelDB and the repo lock. Idempotent. */
  stop: () => Promise<void>
}

/**
 * Starts a daemon: initialises the repo on first run, opens it (taking its lock), starts the
 * node, then the API. On failure everything already started is stopped again.
 */
export async function startDaemon (options: DaemonOptions): Promise<Daemon> {
  const out = options.out ?? ((line: string) => { process.stdout.write(line + '\n') })
  if (!Repo.isInitialized(options.repoPath)) {
    const init = await Repo.init(options.repoPath)
    out(`initialized btfs-ts repo at ${options.repoPath} (peer id ${init.peerId})`)
  }
  const repo = await Repo.open(options.repoPath, 'daemon')
  try {
    if (options.api !== undefined) repo.override(setConfigValue(repo.config, 'api.address', options.api))
    if (options.host === true) repo.override(setConfigValue(repo.config, 'host.enabled', true))
    if (options.listen !== undefined) repo.override(setConfigValue(repo.config, 'network.listen', options.listen))
    if (options.bootstrap !== undefined) repo.override(setConfigValue(repo.config, 'network.bootstrap', options.bootstrap))
  } catch (err) {
    await repo.close()
    throw err
  }
  const log = createLogger(repo.config.log.level)
  const node = await BtfsNode.start(repo, log, { network: true })
  let api: ApiServer
  try {
    api = await startApiServer(node, repo.config.api.address, log, () => node.online.network.addresses())
  } catch (err) {
    await node.stop()
    throw err
  }
  out(`peer id: ${repo.identity.peerId.toString()}`)
  out(`repo: ${options.repoPath}`)
  for (const addr of node.online.network.addresses()) out(`swarm listening on ${addr}`)
  out(`wallet: ${node.online.wallet.address}${repo.config.host.enabled ? ' (host mode)' : ''}`)
  out(`API server listening on ${api.url}`)
  out('daemon is ready')
  let stopping: Promise<void> | undefined
  return {
    node,
    api,
    log,
    stop: async () => {
      stopping ??= (async () => {
        await api.close()
        log.info('api stopped')
        await node.stop()
        log.info('node stopped')
        log.flush()
      })()
      await stopping
    }
  }
}

/**
 * Runs the daemon until SIGINT/SIGTERM: the first signal shuts down in order (HTTP, node,
 * LevelDB, lock), a second one exits at once.
 */
export async function runDaemon (options: DaemonOptions): Promise<void> {
  const daemon = await startDaemon(options)
  await new Promise<void>(resolve => {
    let signals = 0
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++
      if (signals > 1) {
        process.stderr.write(`received ${signal} again: exiting now\n`)
        process.exit(1)
      }
      process.stderr.write(`received ${signal}: shutting down (send it again to force)\n`)
      daemon.stop().then(resolve, err => {
        daemon.log.error({ err }, 'shutdown failed')
        process.exitCode = 1
        resolve()
      })
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}
