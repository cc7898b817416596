import type { Command } from 'commander'
import { liveLockOwner } from '../../repo/lock.js'
import { repoPaths } from '../../repo/paths.js'
import type { CliContext } from '../context.js'

/** `init`, `daemon`, `id`, `version`, `config get|set|show`. Heavy modules load on use. */
export function registerNodeCommands (program: Command, ctx: CliContext): void {
  program.command('init')
    .description('create a repo (config, identity key, stores)')
    .action(async () => {
      const { Repo } = await import('../../repo/repo.js')
      const result = await Repo.init(ctx.repoPath())
      ctx.print(`initialized btfs-ts repo at ${result.paths.root}`)
      ctx.print(`peer id: ${result.peerId}`)
    })

  program.command('daemon')
    .description('run the node (creates the repo on first start)')
    .option('--api <host:port>', 'API listen address (default from config api.address, 127.0.0.1:5001)')
    .option('--host', 'sell storage: accept contracts and store shards (config host.enabled)')
    .option('--listen <multiaddr,...>', 'libp2p listen addresses (default from config network.listen, /ip4/0.0.0.0/tcp/4001)')
    .option('--bootstrap <multiaddr,...>', 'peers to dial at start, with /p2p/<peer id> (config network.bootstrap)')
    .action(async (opts: { api?: string, host?: boolean, listen?: string, bootstrap?: string }) => {
      const { runDaemon } = await import('../../daemon.js')
      const list = (v: string | undefined): string[] | undefined => v === undefined ? undefined : v.split(',').map(a => a.trim()).filter(a => a !== '')
      await runDaemon({
        repoPath: ctx.repoPath(),
        ...(opts.api !== undefined ? { api: opts.api } : {}),
        ...(opts.host === true ? { host: true } : {}),
        ...(opts.listen !== undefined ? { listen: list(opts.listen) } : {}),
        ...(opts.bootstrap !== undefined ? { bootstrap: list(opts.bootstrap) } : {})
      })
    })

  program.command('id')
    .description("show the node's peer id and addresses")
    .action(async () => {
      ctx.print(JSON.stringify(await ctx.withCore(async core => await core.id()), null, 2))
    })

  program.command('version')
    .description('show version information')
    .action(async () => {
      ctx.print(JSON.stringify(await ctx.withCore(async core => await core.version()), null, 2))
    })

  const config = program.command('config').description('read and change the repo config (config.json)')
  config.command('show')
    .action(async () => {
      const { readConfigFile } = await import('../../repo/repo.js')
      ctx.print(JSON.stringify(await readConfigFile(repoPaths(ctx.repoPath()).config), null, 2))
    })
  config.command('get')
    .argument('<key>', 'dotted key, e.g. api.address')
    .action(async (key: string) => {
      const [{ readConfigFile }, { getConfigValue }] = await Promise.all([import('../../repo/repo.js'), import('../../config/load.js')])
      const value = getConfigValue(await readConfigFile(repoPaths(ctx.repoPath()).config), key)
      ctx.print(typeof value === 'string' ? value : JSON.stringify(value, null, 2))
    })
  config.command('set')
    .argument('<key>', 'dotted key, e.g. api.address')
    .argument('<value>', 'the value (JSON for numbers, booleans and objects)')
    .action(async (key: string, value: string) => {
      const [{ readConfigFile, writeConfigFile }, { setConfigValue }] = await Promise.all([import('../../repo/repo.js'), import('../../config/load.js')])
      const paths = repoPaths(ctx.repoPath())
      await writeConfigFile(paths.config, setConfigValue(await readConfigFile(paths.config), key, value))
      ctx.print(`${key} = ${value}`)
      if (await liveLockOwner(paths.lock) !== undefined) ctx.print('a daemon is running on this repo: restart it to apply the change')
    })
}
