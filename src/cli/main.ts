#!/usr/bin/env node
import '../polyfill.js'
import { Command, CommanderError } from 'commander'
import { isAppError } from '../errors/index.js'
import { packageInfo } from '../package-info.js'
import { resolveRepoPath } from '../repo/paths.js'
import { registerFileCommands } from './commands/files.js'
import { registerNodeCommands } from './commands/node.js'
import { registerPinCommands } from './commands/pins.js'
import { registerShardCommands } from './commands/shards.js'
import { registerNetworkCommands } from './commands/network.js'
import type { CliContext } from './context.js'
import { openCore } from './open-core.js'

/** Builds the `btfs-ts` command line program. */
export function buildProgram (): Command {
  const program = new Command()
    .name('btfs-ts')
    .description('A BTFS-style decentralized storage node')
    .version(packageInfo.version, '-v, --version-number', 'print the version number')
    .option('--repo <path>', 'repo directory (env BTFS_TS_PATH, default ~/.btfs-ts)')
    .option('--api-url <url>', 'talk to the daemon at this URL instead of the one found in the repo')
    .showHelpAfterError()
  const repoPath = (): string => resolveRepoPath(program.opts<{ repo?: string }>().repo)
  const ctx: CliContext = {
    repoPath,
    print: line => { process.stdout.write(line + '\n') },
    withCore: async fn => {
      const apiUrl = program.opts<{ apiUrl?: string }>().apiUrl
      const core = await openCore({ repoPath: repoPath(), ...(apiUrl !== undefined ? { apiUrl } : {}) })
      try {
        return await fn(core)
      } finally {
        await core.close()
      }
    }
  }
  registerNodeCommands(program, ctx)
  registerFileCommands(program, ctx)
  registerPinCommands(program, ctx)
  registerShardCommands(program, ctx)
  registerNetworkCommands(program, ctx)
  return program
}

async function main (): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv)
  } catch (err) {
    if (err instanceof CommanderError) { process.exitCode = err.exitCode; return }
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return
    process.stderr.write(`Error: ${isAppError(err) ? err.message : (err as Error).message}\n`)
    process.exitCode = 1
  }
}

await main()
