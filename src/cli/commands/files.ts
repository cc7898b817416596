import { createReadStream, createWriteStream } from 'node:fs'
import { rename, stat, unlink } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Command } from 'commander'
import { parseBool, parseCidVersion } from '../../unixfs/params.js'
import { ProgressBar } from '../progress.js'
import type { CliContext } from '../context.js'

/** `add`, `cat`, `get`, `ls`. */
export function registerFileCommands (program: Command, ctx: CliContext): void {
  program.command('add')
    .description('add a file (or - for stdin) to the node and print its CID')
    .argument('<file>', 'path of the file, or - to read standard input')
    .option('--cid-version <n>', 'CID version 0 or 1 (default from config add.cidVersion)')
    .option('--raw-leaves <bool>', 'raw leaves (default: true for CIDv1, false for CIDv0)')
    .option('--chunker <size-N>', 'fixed-size chunks of N bytes (default size-262144)')
    .option('--no-pin', 'do not pin the file')
    .option('--name <name>', 'a name to remember the file by (default: the file name)')
    .option('-q, --quiet', 'print only the CID')
    .action(async (file: string, opts: { cidVersion?: string, rawLeaves?: string, chunker?: string, pin: boolean, name?: string, quiet?: boolean }) => {
      const fromStdin = file === '-'
      const total = fromStdin ? undefined : (await stat(file)).size
      const bar = opts.quiet !== true && process.stderr.isTTY ? new ProgressBar(process.stderr, total) : undefined
      const source = fromStdin ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 })
      const name = opts.name ?? (fromStdin ? undefined : file.split(/[\\/]/).at(-1))
      const cidVersion = parseCidVersion(opts.cidVersion)
      const rawLeaves = parseBool('raw-leaves', opts.rawLeaves)
      const result = await ctx.withCore(async core => await core.add(source, {
        pin: opts.pin,
        ...(cidVersion !== undefined ? { cidVersion } : {}),
        ...(rawLeaves !== undefined ? { rawLeaves } : {}),
        ...(opts.chunker !== undefined ? { chunker: opts.chunker } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(bar !== undefined ? { onProgress: (n: number) => { bar.update(n) } } : {})
      }))
      bar?.done(result.size)
      ctx.print(opts.quiet === true ? result.cid : `added ${result.cid}${result.name !== undefined ? ' ' + result.name : ''}`)
    })

  program.command('cat')
    .description('write the content of a file to standard output')
    .argument('<cid>', 'CID, or /ipfs/<cid>/path')
    .option('--offset <n>', 'first byte to write', toInt)
    .option('--length <n>', 'number of bytes to write', toInt)
    .action(async (cid: string, opts: { offset?: number, length?: number }) => {
      await ctx.withCore(async core => {
        await pipeline(Readable.from(await core.cat(cid, opts)), process.stdout)
      })
    })

  program.command('get')
    .description('save a file to disk (written to a temporary name, renamed when complete)')
    .argument('<cid>', 'CID, or /ipfs/<cid>/path')
    .requiredOption('-o, --output <path>', 'where to write the file')
    .action(async (cid: string, opts: { output: string }) => {
      const tmp = `${opts.output}.btfs-ts-partial`
      await ctx.withCore(async core => {
        try {
          await pipeline(Readable.from(await core.cat(cid)), createWriteStream(tmp))
          await rename(tmp, opts.output)
        } catch (err) {
          await unlink(tmp).catch(() => {})
          throw err
        }
      })
      ctx.print(`saved ${cid} to ${opts.output}`)
    })

  program.command('ls')
    .description("list a directory's entries, or a file's blocks")
    .argument('<cid>', 'CID, or /ipfs/<cid>/path')
    .option('--json', 'print JSON')
    .action(async (cid: string, opts: { json?: boolean }) => {
      const result = await ctx.withCore(async core => await core.ls(cid))
      if (opts.json === true) { ctx.print(JSON.stringify(result, null, 2)); return }
      for (const link of result.links) ctx.print(`${link.cid} ${link.size} ${link.type} ${link.name}`)
    })
}

/** Parses a non-negative integer option. */
export function toInt (value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${value}`)
  return n
}
