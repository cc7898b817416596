/**
 * bench:retrieve — a 256 MiB file rebuilt from 6 hosts (k=4, m=2) after the renter lost its
 * local copy, against the raw throughput of one libp2p stream between two of the same nodes
 * (one host streaming a whole 256 MiB shard to this process over /btfs-ts/shard/1.0.0, the same
 * stack and framing), measured in the same run. Every node is a real daemon in its own process
 * on 127.0.0.1 with its own LevelDB repo.
 */
import '../src/polyfill.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { Repo } from '../src/repo/index.js'
import { Network } from '../src/network/network.js'
import { Channel, CreditReceiver, protocols } from '../src/network/framing.js'
import { silentLogger } from '../src/logger.js'
import { generated, machine, MiB, mbps } from './lib.js'

const size = Number(process.env.BENCH_BYTES ?? 256 * MiB)
const rounds = 3
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url))
const children: ChildProcess[] = []
const dirs: string[] = []

interface Daemon { url: string, addr: string, peerId: string, proc: ChildProcess }

async function json<T = any> (url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init)
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`)
  return await res.json() as T
}

async function daemon (args: string[], config: Record<string, unknown>): Promise<Daemon> {
  const repo = await mkdtemp(join(tmpdir(), 'btfs-ts-bench-'))
  dirs.push(repo)
  await Repo.init(repo, { blocks: { fsync: false }, ...config } as any)
  const proc = spawn(process.execPath, [cli, '--repo', repo, 'daemon', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', ...args], {
    env: { ...process.env, BTFS_TS_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit']
  })
  children.push(proc)
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /API server listening on (\S+)/.exec(out)
      if (m !== null) resolve(m[1] as string)
    })
    proc.once('exit', code => { reject(new Error(`daemon exited with ${code}`)) })
  })
  const id = await json<{ id: string, addresses: string[] }>(`${url}/id`)
  return { url, proc, peerId: id.id, addr: id.addresses.find(a => a.includes('/127.0.0.1/')) as string }
}

async function until (what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms
  while (!await check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

async function upload (renter: Daemon, cid: string, k: number, m: number): Promise<any> {
  const { id } = await json(`${renter.url}/storage/upload?arg=${cid}&k=${k}&m=${m}`, { method: 'POST' })
  let status: any
  await until(`upload ${id}`, async () => { status = await json(`${renter.url}/storage/upload/${id}`); return status.state === 'complete' || status.state === 'failed' })
  if (status.state !== 'complete') throw new Error(`upload failed: ${status.error}`)
  return status
}

async function vmHwmMiB (pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8')
  return Math.round(Number(/^VmHWM:\s+(\d+)/m.exec(text)?.[1]) / 1024)
}

function median (xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
}

async function main (): Promise<void> {
  const hostConfig = { host: { price: '1000000000000000000' }, shards: { segmentSize: 16 * MiB } }
  const first = await daemon(['--host'], hostConfig)
  const hosts = [first, ...await Promise.all(Array.from({ length: 5 }, async () => await daemon(['--host', '--bootstrap', first.addr], hostConfig)))]
  const renter = await daemon(['--bootstrap', first.addr], {})
  await until('6 hosts', async () => (await json(`${renter.url}/hosts?refresh=true`)).hosts.length === 6)

  const sent = createHash('sha256')
  const body = (async function * () { for await (const chunk of generated(size, 11)) { sent.update(chunk); yield chunk } })()
  const { cid } = await json(`${renter.url}/add`, { method: 'POST', body: body as any, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } } as RequestInit)
  const digest = sent.digest('hex')
  const spread = await upload(renter, cid, 4, 2)
  const single = await upload(renter, cid, 1, 0) // one 256 MiB shard on one host: the baseline's stream
  await json(`${renter.url}/pin/${cid}`, { method: 'DELETE' })
  await json(`${renter.url}/repo/gc`, { method: 'POST' })

  // Baseline: one libp2p stream, this process ← one host, the whole shard (frames read and dropped).
  const shard = single.shards[0]
  const holder = hosts.find(h => h.peerId === shard.host) as Daemon
  const net = await Network.start({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], announce: [], bootstrap: [], protocolPrefix: '/btfs-ts', logger: silentLogger() })
  const raw: number[] = []
  const rebuilt: number[] = []
  try {
    for (let round = 0; round < rounds; round++) {
      let started = performance.now()
      const ch = new Channel(await net.libp2p.dialProtocol(multiaddr(holder.addr), protocols.shard))
      await ch.send({ op: 'get', cid: shard.cid })
      const header = await ch.receive<{ size: number }>()
      const receiver = new CreditReceiver(ch)
      let got = 0
      while (got < header.size) {
        const frame = await receiver.read()
        got += frame.length
        await receiver.consumed(frame.length)
      }
      await ch.close()
      raw.push(mbps(got, performance.now() - started))

      // The renter rebuilds from the k=4 m=2 hosts (the newest manifest of the file).
      started = performance.now()
      const res = await fetch(`${renter.url}/cat/${cid}`)
      const back = createHash('sha256')
      let n = 0
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) { back.update(chunk); n += chunk.length }
      const ms = performance.now() - started
      if (n !== size || back.digest('hex') !== digest) throw new Error('the rebuilt file differs from the one added')
      rebuilt.push(mbps(n, ms))
    }
  } finally {
    await net.stop()
  }
  const r = median(raw)
  const b = median(rebuilt)
  console.log(`bench:retrieve — ${size / MiB} MiB, k=4 m=2 on 6 hosts (one shard per host), 16 MiB segments, median of ${rounds}; ${machine()}; ${new Date().toISOString()}`)
  console.table([
    { path: 'one libp2p stream, one host → this process, 256 MiB shard (baseline)', 'MB/s': Math.round(r), ratio: '1.00×' },
    { path: 'GET /cat rebuilt from the hosts (fetch k+2 in parallel, verify, decode)', 'MB/s': Math.round(b), ratio: `${(b / r).toFixed(2)}×` }
  ])
  console.log(`retrieval ${Math.round(b)} MB/s = ${Math.round(100 * b / r)} % of one stream (target ≥ 60 %); renter peak RSS ${await vmHwmMiB(renter.proc.pid as number)} MiB`)
  void spread
}

try {
  await main()
} finally {
  for (const c of children) c.kill('SIGTERM')
  await Promise.all(children.map(async c => { if (c.exitCode === null && c.signalCode === null) await new Promise(resolve => c.once('exit', resolve)) }))
  for (const d of dirs) await rm(d, { recursive: true, force: true })
}
