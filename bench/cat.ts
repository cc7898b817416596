/**
 * bench:cat — reads a 1 GiB file (BENCH_BYTES to change) back through btfs-ts's reader over its
 * pack store, and through the UnixFS exporter's content() over blockstore-fs (what Helia does),
 * each in its own process, in the same run; also the raw block-read ceiling of blockstore-fs
 * and btfs-ts end to end over HTTP. Both stores hold the same DAG (same CID), in the page cache.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { GiB, generated, machine, mbps, peakRssMiB, runWorker, settle, table } from './lib.js'

interface Result { path: string, ms: number, bytes: number, peakRssMiB: number, cid?: string }

const kuboV1 = { cidVersion: 1 as const, rawLeaves: true, chunkSize: 262144 }

async function prepare (dir: string, bytes: number): Promise<Result> {
  const { Repo } = await import('../src/repo/index.js')
  const { BtfsNode } = await import('../src/node.js')
  const { silentLogger } = await import('../src/logger.js')
  const { unixfs } = await import('@helia/unixfs')
  const { FsBlockstore } = await import('blockstore-fs')
  const { fixedSize } = await import('ipfs-unixfs-importer/chunker')
  const { balanced } = await import('ipfs-unixfs-importer/layout')
  await Repo.init(join(dir, 'repo'), { blocks: { fsync: false } })
  const node = await BtfsNode.start(await Repo.open(join(dir, 'repo'), 'bench'), silentLogger())
  const ours = await node.files.add(generated(bytes), { params: kuboV1, pin: true })
  await node.stop()
  const blockstore = new FsBlockstore(join(dir, 'fs'))
  await blockstore.open()
  const theirs = await unixfs({ blockstore }).addByteStream(generated(bytes), {
    cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: kuboV1.chunkSize }), layout: balanced({ maxChildrenPerNode: 174 }), reduceSingleLeafToSelf: true
  })
  await blockstore.close()
  if (ours.cid.toString() !== theirs.toString()) throw new Error(`the two stores hold different DAGs: ${ours.cid.toString()} ${theirs.toString()}`)
  return { path: 'prepare', ms: 0, bytes, peakRssMiB: peakRssMiB(), cid: ours.cid.toString() }
}

async function drain (source: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0
  for await (const chunk of source) n += chunk.byteLength
  return n
}

async function worker (kind: string, dir: string, cid: CID, bytes: number): Promise<Result> {
  let path = kind
  let read = 0
  let start = 0
  switch (kind) {
    case 'exporter': {
      const { exporter } = await import('ipfs-unixfs-exporter')
      const { FsBlockstore } = await import('blockstore-fs')
      const blockstore = new FsBlockstore(join(dir, 'fs'))
      await blockstore.open()
      start = performance.now()
      const entry = await exporter(cid, blockstore)
      if (entry.type !== 'file') throw new Error(`${cid.toString()} is not a file`)
      read = await drain(entry.content())
      path = 'UnixFS exporter content() over blockstore-fs'
      break
    }
    case 'raw-blocks': {
      const { FsBlockstore } = await import('blockstore-fs')
      const blockstore = new FsBlockstore(join(dir, 'fs'))
      await blockstore.open()
      start = performance.now()
      for await (const { bytes: chunks } of blockstore.getAll()) read += await drain(chunks as AsyncIterable<Uint8Array>)
      path = 'blockstore-fs getAll(), raw blocks (ceiling)'
      break
    }
    case 'ours': {
      const { Repo } = await import('../src/repo/index.js')
      const { BtfsNode } = await import('../src/node.js')
      const { silentLogger } = await import('../src/logger.js')
      const node = await BtfsNode.start(await Repo.open(join(dir, 'repo'), 'bench'), silentLogger())
      start = performance.now()
      const file = await node.files.open({ cid, segments: [] })
      read = await drain(file.read())
      path = 'btfs-ts reader over pack store'
      const ms = performance.now() - start
      await node.stop()
      return { path, ms, bytes: read, peakRssMiB: peakRssMiB() }
    }
    case 'http': {
      const { startDaemon } = await import('../src/daemon.js')
      const { execFile } = await import('node:child_process')
      const daemon = await startDaemon({ repoPath: join(dir, 'repo'), api: '127.0.0.1:0', out: () => {} })
      start = performance.now()
      // a separate client process (curl), as a user would fetch it
      read = await new Promise<number>((resolve, reject) => {
        execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{size_download}', `${daemon.api.url}/cat/${cid.toString()}`], (err, stdout) => {
          if (err !== null) reject(err)
          else resolve(Number(stdout))
        })
      })
      const ms = performance.now() - start
      await daemon.stop()
      return { path: 'btfs-ts GET /cat over HTTP (curl client)', ms, bytes: read, peakRssMiB: peakRssMiB() }
    }
    default: throw new Error(`unknown worker ${kind}`)
  }
  const ms = performance.now() - start
  if (read !== bytes && kind !== 'raw-blocks') throw new Error(`${kind} read ${read} of ${bytes} bytes`)
  return { path, ms, bytes: read, peakRssMiB: peakRssMiB() }
}

async function main (): Promise<void> {
  const [mode, kind, dir, cid, size] = process.argv.slice(2)
  if (mode === 'worker') {
    const result = kind === 'prepare' ? await prepare(dir as string, Number(size)) : await worker(kind as string, dir as string, CID.parse(cid as string), Number(size))
    console.log(JSON.stringify(result))
    return
  }
  const bytes = Number(process.env.BENCH_BYTES ?? GiB)
  const tmp = await mkdtemp(join(tmpdir(), 'btfs-bench-cat-'))
  try {
    const prepared = await runWorker<Result>(new URL(import.meta.url), ['worker', 'prepare', tmp, '-', String(bytes)])
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
    const runs = new Map<string, Result[]>()
    await settle()
    for (let round = 0; round < rounds; round++) {
      for (const k of ['raw-blocks', 'exporter', 'ours', 'http']) {
        const result = await runWorker<Result>(new URL(import.meta.url), ['worker', k, tmp, prepared.cid as string, String(bytes)])
        runs.set(result.path, [...(runs.get(result.path) ?? []), result])
      }
    }
    const results = [...runs.values()].map(list => [...list].sort((a, b) => a.ms - b.ms)[Math.floor(list.length / 2)] as Result)
    const base = results[1] as Result
    const mine = results[2] as Result
    console.log(`bench:cat — ${(bytes / GiB).toFixed(2)} GiB, CID ${prepared.cid ?? ''}, page cache warm, median of ${rounds} alternating rounds; ${machine()}; ${new Date().toISOString()}`)
    table(results.map(r => ({ path: r.path, 'MB/s': Math.round(mbps(r.bytes, r.ms)), 'vs exporter': (base.ms / r.ms * (r.bytes / base.bytes)).toFixed(2) + '×', 'peak RSS MiB': Math.round(r.peakRssMiB) })))
    console.log(`btfs-ts reader / exporter over blockstore-fs = ${(base.ms / mine.ms).toFixed(2)}× (target ≥ 3×)`)
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

await main()
