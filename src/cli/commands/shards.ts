import { createWriteStream } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { toInt } from './files.js'

/** `shards encode|decode|ls`: erasure-coded, encrypted shards without the network. */
export function registerShardCommands (program: Command, ctx: CliContext): void {
  const shards = program.command('shards').description('encrypted, erasure-coded shards of stored files (offline archives)')
  shards.command('encode')
    .description('write the k + m shards of a stored file to a folder and print the manifest CID')
    .argument('<cid>', 'a file in the local store')
    .requiredOption('--out <dir>', 'folder for the shard files (created if missing)')
    .option('--k <n>', 'data shards: any k rebuild the file (default config shards.k)', toInt)
    .option('--m <n>', 'parity shards (default config shards.m)', toInt)
    .option('--segment-size <bytes>', 'plaintext bytes per segment (default config shards.segmentSize)', toInt)
    .option('--leaf-size <bytes>', 'Merkle leaf size (default config shards.leafSize)', toInt)
    .option('--public', 'put the file key in clear in the manifest (anyone with k shards can read)')
    .option('-v, --verbose', 'also list the shards')
    .action(async (cid: string, opts: { out: string, k?: number, m?: number, segmentSize?: number, leafSize?: number, public?: boolean, verbose?: boolean }) => {
      const view = await ctx.withCore(async core => await core.shardsEncode(cid, {
        outDir: resolve(opts.out),
        ...(opts.k !== undefined ? { k: opts.k } : {}),
        ...(opts.m !== undefined ? { m: opts.m } : {}),
        ...(opts.segmentSize !== undefined ? { segmentSize: opts.segmentSize } : {}),
        ...(opts.leafSize !== undefined ? { leafSize: opts.leafSize } : {}),
        ...(opts.public === true ? { public: true } : {})
      }))
      ctx.print(view.manifest)
      if (opts.verbose === true) for (const s of view.shards) ctx.print(`${s.index} ${s.cid} ${s.size} ${s.merkleRoot}`)
    })
  shards.command('decode')
    .description('rebuild a file from whatever shards a folder holds (any k intact ones)')
    .argument('<manifest>', 'manifest CID (from the local store, or a file of that name in the folder)')
    .requiredOption('--from <dir>', 'folder holding shard files')
    .requiredOption('-o, --output <file>', 'where to write the file (written to a temporary name, renamed when complete)')
    .action(async (manifest: string, opts: { from: string, output: string }) => {
      const tmp = `${opts.output}.btfs-ts-partial`
      await ctx.withCore(async core => {
        try {
          await pipeline(Readable.from(await core.shardsDecode(manifest, resolve(opts.from))), createWriteStream(tmp))
          await rename(tmp, opts.output)
        } catch (err) {
          await unlink(tmp).catch(() => {})
          throw err
        }
      })
      ctx.print(`rebuilt ${opts.output}`)
    })
  shards.command('ls')
    .description('shard sets made of stored files')
    .argument('[root]', 'only those of this file')
    .action(async (root?: string) => {
      for (const r of await ctx.withCore(async core => await core.shardsList(root))) ctx.print(`${r.manifest} ${r.root} ${r.k}+${r.m} ${r.created}`)
    })
}
