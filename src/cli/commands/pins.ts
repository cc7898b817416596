import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { formatBytes } from '../progress.js'
import type { PinListType } from '../../pins/pin-service.js'

/** `pin add|rm|ls`, `repo gc`. */
export function registerPinCommands (program: Command, ctx: CliContext): void {
  const pin = program.command('pin').description('keep files from garbage collection')
  pin.command('add')
    .argument('<cid>')
    .option('--direct', 'pin only this block, not the whole DAG')
    .option('--name <name>', 'a name for the pin')
    .action(async (cid: string, opts: { direct?: boolean, name?: string }) => {
      const result = await ctx.withCore(async core => await core.pinAdd(cid, { recursive: opts.direct !== true, ...(opts.name !== undefined ? { name: opts.name } : {}) }))
      ctx.print(`pinned ${result.cid} ${result.type}`)
    })
  pin.command('rm')
    .argument('<cid>')
    .action(async (cid: string) => {
      await ctx.withCore(async core => { await core.pinRm(cid) })
      ctx.print(`unpinned ${cid}`)
    })
  pin.command('ls')
    .option('--type <type>', 'all | recursive | direct | indirect | stored (default stored)')
    .action(async (opts: { type?: string }) => {
      const pins = await ctx.withCore(async core => await core.pinLs((opts.type ?? 'stored') as PinListType))
      for (const p of pins) ctx.print(`${p.cid} ${p.type}${p.name !== undefined ? ' ' + p.name : ''}`)
    })

  const repo = program.command('repo').description('repo maintenance')
  repo.command('gc')
    .description('remove every block no pin reaches')
    .action(async () => {
      const result = await ctx.withCore(async core => await core.gc())
      for (const cid of result.removed) ctx.print(`removed ${cid}`)
      ctx.print(`${result.removed.length} blocks removed, ${formatBytes(result.freedBytes)} freed`)
    })
}
