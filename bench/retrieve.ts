/**
 * bench:retrieve — a 256 MiB file rebuilt from 6 hosts (k=4, m=2) after the renter lost its
 * local copy, against the raw throughput of one libp2p stream between two of the same nodes,
 * measured in the same run (rounds interleaved, median of 3). Every node is a real daemon in its
 * own process on 127.0.0.1 with its own LevelDB repo. Config chosen: blocks.fsync false on every
 * repo (the add is setup, not measured), hosts at a low price, the renter's proofs interval far
 * out so that no challenge runs mid-bench; everything else default (retrieveExtra 2, 16 MiB
 * segments).
 *
 * Baseline (1.00×), one libp2p stream of the same stack (TCP + noise + yamux): a child process
 * pushes 256 MiB in 256 KiB `stream.send()`s (awaiting onDrain) to this process, which reads and
 * drops it. Also measured, to place the retrieval between the two (hosts serve a shard only to
 * its contract's renter, so for these rows this process runs a second node with the renter's
 * identity key and reads through the shard protocol's client, src/network/protocols/shard.ts):
 * - one shard stream: a host daemon serves a whole 256 MiB shard (a separately uploaded k=1 m=0
 *   file) over /btfs-ts/shard/1.0.0 to this process — our framing, credits and the host's reads;
 * - the k data shards of the k=4 m=2 file from their k hosts at once, frames dropped; then the
 *   same with the renter's per-frame work (SHA-256, write into a scratch file, ack once written).
 * Retrieval: GET /cat on the renter (node:http client, body hashed as it comes and checked
 * against the added bytes), timed from the request to the last byte. The response starts only
 * once k shards are fetched and verified, so the time to first byte is the fetch phase; the rest
 * is decode (scratch files read back, RS when a data shard lost the race, AES-GCM) plus HTTP.
 * CPU seconds of every process involved are read from /proc for each measurement.
 *
 *   npm run bench:retrieve   env: BENCH_BYTES (256 MiB), BENCH_ROUNDS (3),
 *                                 BENCH_RETRIEVE_EXTRA (the renter's storage.retrieveExtra),
 *                                 BENCH_RENTER_NODE_ARGS (node flags for the renter daemon),
 *                                 BENCH_PROFILE=dir (every daemon writes --cpu-prof profiles under dir)
 */
import '../src/polyfill.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { get as httpGet, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair, privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { Repo } from '../src/repo/index.js'
import { Libp2pNetwork } from '../src/network/network.js'
import type { Network } from '../src/network/interface.js'
import { getShard } from '../src/network/protocols/shard.js'
import { silentLogger } from '../src/logger.js'
import { generated, generatorPool, machine, MiB, mbps, table } from './lib.js'

const size = Number(process.env.BENCH_BYTES ?? 256 * MiB)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const retrieveExtra = process.env.BENCH_RETRIEVE_EXTRA !== undefined ? Number(process.env.BENCH_RETRIEVE_EXTRA) : undefined
/** A folder: each daemon writes V8 CPU profiles (node --cpu-prof) to <folder>/<renter|hostN> when it stops. */
const profile = process.env.BENCH_PROFILE
/** Extra node flags for the renter daemon (space-separated), e.g. --max-semi-space-size=64. */
const renterNodeArgs = (process.env.BENCH_RENTER_NODE_ARGS ?? '').split(' ').filter(a => a !== '')
const k = 4
const m = 2
const hostCount = k + m
const pushProtocol = '/btfs-ts-bench/push/1.0.0'
const sendSize = 256 * 1024
/** The whole bench is abandoned (and cleaned up) after this long. */
const deadline = 6 * 60_000
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url))
const self = fileURLToPath(import.meta.url)

const children: ChildProcess[] = []
const dirs: string[] = []

/** A bare libp2p node of the same stack as the daemons' (TCP + noise + yamux): the raw baseline. */
async function rawNode (): Promise<Libp2p> {
  return await createLibp2p({ privateKey: await generateKeyPair('Ed25519'), addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

/** The project's network with `privateKey` (the renter's: hosts serve a shard only to its renter). */
async function startNetwork (privateKey: PrivateKey): Promise<Network> {
  return await Libp2pNetwork.start({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], announce: [], bootstrap: [], protocolPrefix: '/btfs-ts', logger: silentLogger() })
}

/**
 * Child mode: a node of the same stack that answers each stream on pushProtocol by sending the
 * number of bytes asked for (a decimal string, the only message it reads) in 256 KiB sends.
 * Prints its address; exits when its stdin closes (so it never outlives the bench).
 */
async function pusher (): Promise<void> {
  const net = await rawNode()
  const chunk = generatorPool(3).subarray(0, sendSize) // never modified, so one buffer is sent over and over
  await net.handle(pushProtocol, async (stream: Stream) => {
    try {
      const [first] = await once(stream, 'message') as [{ data: Uint8Array | { subarray: () => Uint8Array } }]
      const data = first.data instanceof Uint8Array ? first.data : first.data.subarray()
      const total = Number(new TextDecoder().decode(data))
      for (let sent = 0; sent < total; sent += sendSize) {
        if (!stream.send(chunk.subarray(0, Math.min(sendSize, total - sent)))) await stream.onDrain()
      }
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  })
  process.stdin.resume()
  process.stdin.once('end', () => { void Promise.resolve(net.stop()).finally(() => process.exit(0)) })
  process.stdin.once('close', () => { void Promise.resolve(net.stop()).finally(() => process.exit(0)) })
  console.log(JSON.stringify({ addr: net.getMultiaddrs().map(a => a.toString()).find(a => a.includes('/127.0.0.1/')) }))
}

interface Proc { proc: ChildProcess, stderr: () => string }
interface Daemon extends Proc { url: string, addr: string, peerId: string, repo: string }

/** Spawns a child and keeps the last 8 KB of its stderr (shown if the bench fails). */
function child (args: string[], env: NodeJS.ProcessEnv = {}): Proc & { stdout: () => string } {
  const proc = spawn(process.execPath, args, { env: { ...process.env, BTFS_TS_LOG: 'warn', ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(proc)
  let out = ''
  let err = ''
  proc.stdout?.on('data', (d: Buffer) => { if (out.length < 65536) out += d.toString() })
  proc.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-8192) })
  return { proc, stdout: () => out, stderr: () => err }
}

/** Resolves to the first match of `re` on the child's stdout; fails if it exits first. */
async function waitForOutput (c: ReturnType<typeof child>, re: RegExp, what: string): Promise<RegExpExecArray> {
  return await new Promise((resolve, reject) => {
    const check = (): void => {
      const match = re.exec(c.stdout())
      if (match !== null) { c.proc.stdout?.off('data', check); c.proc.off('exit', onExit); resolve(match) }
    }
    const onExit = (code: number | null): void => { reject(new Error(`${what} exited with ${code} before it was ready: ${c.stderr()}`)) }
    c.proc.stdout?.on('data', check)
    c.proc.once('exit', onExit)
    check()
  })
}

async function json<T = any> (url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init)
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`)
  return await res.json() as T
}

async function daemon (args: string[], config: Record<string, unknown>, nodeArgs: string[] = []): Promise<Daemon> {
  const repo = await mkdtemp(join(tmpdir(), 'btfs-ts-bench-'))
  dirs.push(repo)
  await Repo.init(repo, { blocks: { fsync: false }, ...config } as any)
  const c = child([...nodeArgs, cli, '--repo', repo, 'daemon', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', ...args])
  const [, url] = await waitForOutput(c, /API server listening on (http:\/\/\S+)/, 'a daemon') as unknown as [string, string]
  const id = await json<{ id: string, addresses: string[] }>(`${url}/id`)
  const addr = id.addresses.find(a => a.includes('/127.0.0.1/'))
  if (addr === undefined) throw new Error(`daemon has no loopback address: ${id.addresses.join(', ')}`)
  return { ...c, url, peerId: id.id, addr, repo }
}

async function until (what: string, check: () => Promise<boolean>, ms = 120_000, every = 200): Promise<void> {
  const end = Date.now() + ms
  while (!await check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, every))
  }
}

async function add (renter: Daemon, seed: number): Promise<{ cid: string, digest: string }> {
  const sent = createHash('sha256')
  const body = (async function * () { for await (const chunk of generated(size, seed)) { sent.update(chunk); yield chunk } })()
  const { cid } = await json(`${renter.url}/add`, { method: 'POST', body: body as any, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } } as RequestInit)
  return { cid, digest: sent.digest('hex') }
}

interface UploadStatus { state: string, error?: string, shards: Array<{ index: number, cid: string, size: number, host?: string, contractId?: string }> }

async function upload (renter: Daemon, cid: string, k: number, m: number): Promise<UploadStatus> {
  const { id } = await json(`${renter.url}/storage/upload?arg=${cid}&k=${k}&m=${m}`, { method: 'POST' })
  let status: UploadStatus | undefined
  await until(`upload ${id as string}`, async () => {
    status = await json<UploadStatus>(`${renter.url}/storage/upload/${id as string}`)
    return status.state === 'complete' || status.state === 'failed'
  })
  if (status?.state !== 'complete') throw new Error(`upload failed: ${status?.error ?? 'unknown'}`)
  return status
}

/** CPU seconds (user + system) a child has used so far. */
async function cpuSeconds (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100)
}

const ownCpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6 }

async function vmHwmMiB (pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8')
  return Math.round(Number(/^VmHWM:\s+(\d+)/m.exec(text)?.[1]) / 1024)
}

/** Resets a process's peak RSS to its current RSS (Linux clear_refs 5); false where not allowed. */
async function resetPeak (pid: number): Promise<boolean> {
  return await writeFile(`/proc/${pid}/clear_refs`, '5').then(() => true, () => false)
}

interface Sample { ms: number, bytes: number, ttfbMs?: number, cpu: Record<string, number> }

/** Runs `fn` and reports the CPU seconds each of `procs` (and this process) used meanwhile. */
async function withCpu (what: string, procs: Record<string, number[]>, fn: () => Promise<{ bytes: number, ttfbMs?: number }>): Promise<Sample> {
  const before = await Promise.all(Object.values(procs).map(async pids => await Promise.all(pids.map(cpuSeconds))))
  const own = ownCpu()
  const started = performance.now()
  const r = await fn().catch((err: Error) => { throw new Error(`${what}: ${err.message}`, { cause: err }) })
  const ms = performance.now() - started
  const ownUsed = ownCpu() - own
  const after = await Promise.all(Object.values(procs).map(async pids => await Promise.all(pids.map(cpuSeconds))))
  const cpu: Record<string, number> = { bench: ownUsed }
  Object.keys(procs).forEach((name, i) => { cpu[name] = (after[i] as number[]).reduce((a, b) => a + b, 0) - (before[i] as number[]).reduce((a, b) => a + b, 0) })
  return { ms, ...r, cpu }
}

/** One stream from the pusher child: `size` bytes read and dropped. */
async function rawPush (net: Libp2p, addr: string): Promise<{ bytes: number }> {
  const stream = await net.dialProtocol(multiaddr(addr), pushProtocol)
  let got = 0
  const done = new Promise<void>((resolve, reject) => {
    stream.addEventListener('message', evt => { got += evt.data.byteLength })
    stream.addEventListener('remoteCloseWrite', () => { resolve() })
    stream.addEventListener('close', evt => { if (evt.error !== undefined) reject(evt.error); else resolve() })
  })
  stream.send(new TextEncoder().encode(String(size)))
  await done
  await stream.close().catch(() => {})
  if (got !== size) throw new Error(`raw push: got ${got} bytes of ${size}`)
  return { bytes: got }
}

/**
 * One whole shard over /btfs-ts/shard/1.0.0 from its host, through the protocol's client. Frames
 * are dropped, or with `scratch` treated as Retriever#fetchOne treats them: SHA-256 of every
 * frame, each written at its offset into a file before it is acknowledged; the hash is checked.
 */
async function shardStream (net: Network, shard: { host: string, cid: string, size: number, contractId: string }, scratch?: string): Promise<{ bytes: number }> {
  const handle = scratch !== undefined ? await open(scratch, 'w') : undefined
  const hash = createHash('sha256')
  let got = 0
  try {
    await getShard(net, shard.host, { contractId: shard.contractId, offset: 0, length: shard.size }, async frame => {
      const at = got
      got += frame.length
      if (handle === undefined) return
      hash.update(frame)
      await handle.write(frame, 0, frame.length, at)
    })
    if (handle !== undefined && !hash.digest().equals(CID.parse(shard.cid).multihash.digest)) throw new Error(`shard ${shard.cid} does not match its CID`)
  } finally {
    await handle?.close()
    if (scratch !== undefined) await rm(scratch, { force: true })
  }
  return { bytes: got }
}

/** GET /cat on the renter, the body hashed as it comes (the client's share of the CPU is reported). */
async function cat (url: string, digest: string): Promise<{ bytes: number, ttfbMs: number }> {
  const started = performance.now()
  const res = await new Promise<IncomingMessage>((resolve, reject) => { httpGet(url, resolve).on('error', reject) })
  const ttfbMs = performance.now() - started
  if (res.statusCode !== 200) {
    let text = ''
    for await (const chunk of res as AsyncIterable<Buffer>) text += chunk.toString()
    throw new Error(`GET ${url}: ${res.statusCode} ${text}`)
  }
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of res as AsyncIterable<Buffer>) { hash.update(chunk); bytes += chunk.length }
  if (bytes !== size || hash.digest('hex') !== digest) throw new Error(`GET ${url}: the rebuilt file differs from the one added (${bytes} bytes)`)
  return { bytes, ttfbMs }
}

const benchStart = performance.now()

async function main (): Promise<void> {
  const hostConfig = { host: { price: '1000000000000000000' } }
  const prof = (name: string): string[] => profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${join(profile, name)}`] : []
  const first = await daemon(['--host'], hostConfig, prof('host0'))
  const hosts = [first, ...await Promise.all(Array.from({ length: hostCount - 1 }, async (_, i) => await daemon(['--host', '--bootstrap', first.addr], hostConfig, prof(`host${i + 1}`))))]
  const renter = await daemon(['--bootstrap', first.addr], { proofs: { interval: '24d' }, ...(retrieveExtra !== undefined ? { storage: { retrieveExtra } } : {}) }, [...renterNodeArgs, ...prof('renter')])
  const push = child([self, 'pusher'])
  const [, pushLine] = await waitForOutput(push, /^(\{.*\})$/m, 'the pusher') as unknown as [string, string]
  const pushAddr = JSON.parse(pushLine).addr as string
  for (const d of [...hosts, renter, push]) {
    d.proc.once('exit', (code, signal) => { if (!stopping) fail(new Error(`a child exited mid-bench (${code ?? signal}): ${d.stderr()}`)) })
  }
  await until(`the renter to list ${hostCount} hosts`, async () => (await json(`${renter.url}/hosts?refresh=true`)).hosts.length === hostCount, 60_000, 500)

  const progress = (what: string): void => { console.error(`[bench:retrieve] ${((performance.now() - benchStart) / 1000).toFixed(1)} s: ${what}`) }
  progress(`${hostCount} hosts found`)
  const setupStart = performance.now()
  const file = await add(renter, 11)
  progress('file added')
  const spread = await upload(renter, file.cid, k, m)
  progress(`uploaded k=${k} m=${m}`)
  const distinct = new Set(spread.shards.map(s => s.host)).size
  // The shard-stream baseline: another file, stored as one 256 MiB shard on one host. Not the
  // same file: a retrieval rebuilds from the newest manifest of its root, which would then be
  // this single shard rather than the k=4 m=2 set.
  const other = await add(renter, 12)
  const single = await upload(renter, other.cid, 1, 0)
  progress('uploaded k=1 m=0')
  for (const cid of [file.cid, other.cid]) await json(`${renter.url}/pin/${cid}`, { method: 'DELETE' })
  await json(`${renter.url}/repo/gc`, { method: 'POST' })
  const setupS = (performance.now() - setupStart) / 1000
  const peakBefore = await vmHwmMiB(renter.proc.pid as number)
  const peakReset = await resetPeak(renter.proc.pid as number)

  const byPeer = (peer: string | undefined): Daemon => {
    const h = hosts.find(h => h.peerId === peer)
    if (h === undefined) throw new Error(`a shard went to an unknown host ${String(peer)}`)
    return h
  }
  const located = (s: UploadStatus['shards'][number]): { host: string, cid: string, size: number, contractId: string } => ({ host: s.host as string, cid: s.cid, size: s.size, contractId: s.contractId as string })
  const shard = located(single.shards[0] as UploadStatus['shards'][number])
  const holder = byPeer(shard.host)
  // The k data shards of the k=4 m=2 file (what a retrieval uses when all hosts answer).
  const dataShards = spread.shards.filter(s => s.index < k).map(s => ({ ...located(s), daemon: byPeer(s.host) }))
  const scratchDir = await mkdtemp(join(tmpdir(), 'btfs-ts-bench-scratch-'))
  dirs.push(scratchDir)
  const hostPids = hosts.map(h => h.proc.pid as number)
  const pullData = (scratch: boolean) => async (): Promise<{ bytes: number }> => {
    const got = await Promise.all(dataShards.map(async (s, i) => await shardStream(net, s, scratch ? join(scratchDir, String(i)) : undefined)))
    return { bytes: got.reduce((a, b) => a + b.bytes, 0) }
  }

  const raw = await rawNode()
  const net = await startNetwork(privateKeyFromProtobuf(await readFile(join(renter.repo, 'keystore', 'identity.key'))))
  const runs = { raw: [] as Sample[], stream: [] as Sample[], parallel: [] as Sample[], scratch: [] as Sample[], cat: [] as Sample[] }
  try {
    // connections first (this node knows the hosts by address only), then an untimed warm-up:
    // the first transfer of a path runs cold code on both sides
    for (const addr of new Set([holder.addr, ...dataShards.map(s => s.daemon.addr)])) await net.connect(addr)
    await rawPush(raw, pushAddr)
    await shardStream(net, shard)
    for (const s of dataShards) await shardStream(net, s)
    progress('warmed up')
    for (let round = 0; round < rounds; round++) {
      runs.raw.push(await withCpu(`round ${round + 1}, raw push`, { peer: [push.proc.pid as number] }, async () => await rawPush(raw, pushAddr)))
      runs.stream.push(await withCpu(`round ${round + 1}, shard stream`, { peer: [holder.proc.pid as number] }, async () => await shardStream(net, shard)))
      runs.parallel.push(await withCpu(`round ${round + 1}, ${k} shard streams`, { peer: hostPids }, pullData(false)))
      runs.scratch.push(await withCpu(`round ${round + 1}, ${k} shard streams to scratch files`, { peer: hostPids }, pullData(true)))
      runs.cat.push(await withCpu(`round ${round + 1}, GET /cat`, { renter: [renter.proc.pid as number], hosts: hostPids }, async () => await cat(`${renter.url}/cat/${file.cid}`, file.digest)))
    }
  } finally {
    await net.stop()
    await raw.stop()
  }
  const peakRetrieve = await vmHwmMiB(renter.proc.pid as number)

  const rate = (s: Sample): number => mbps(s.bytes, s.ms)
  const med = (xs: Sample[]): Sample => [...xs].sort((a, b) => a.ms / a.bytes - b.ms / b.bytes)[Math.floor(xs.length / 2)] as Sample
  const base = rate(med(runs.raw))
  const extra = retrieveExtra ?? 2
  const row = (path: string, xs: Sample[]): Record<string, string | number> => ({ path, 'MB/s': Math.round(rate(med(xs))), 'vs raw': `${(rate(med(xs)) / base).toFixed(2)}×`, rounds: xs.map(s => Math.round(rate(s))).join(' / ') })
  const cores = (s: Sample, name: string): string => `${(s.cpu[name] as number).toFixed(2)} s (${((s.cpu[name] as number) / (s.ms / 1000)).toFixed(2)})`
  const [mr, ms, mp, mw, mc] = [runs.raw, runs.stream, runs.parallel, runs.scratch, runs.cat].map(med) as [Sample, Sample, Sample, Sample, Sample]
  const catRate = rate(mc)
  const ttfb = mc.ttfbMs as number

  console.log(`bench:retrieve — ${size / MiB} MiB, k=${k} m=${m} on ${hostCount} hosts (${distinct} distinct), 16 MiB segments, retrieveExtra ${extra}${renterNodeArgs.length > 0 ? `, renter node ${renterNodeArgs.join(' ')}` : ''}, median of ${rounds} rounds (interleaved); ${machine()}; ${new Date().toISOString()}`)
  table([
    row('raw push: one libp2p stream, child process → this process, 256 KiB sends (baseline)', runs.raw),
    row(`shard stream: one host → this process, a whole ${size / MiB} MiB shard, frames dropped`, runs.stream),
    row(`${k} shard streams at once: the ${k} data shards from their ${k} hosts, frames dropped`, runs.parallel),
    row(`the same + SHA-256 + scratch-file writes, acked once written (the renter's fetch loop)`, runs.scratch),
    row(`GET /cat: rebuilt by the renter from its hosts (fetch k+${extra} at once, verify, decode)`, runs.cat)
  ])
  console.log(`retrieval ${Math.round(catRate)} MB/s = ${Math.round(100 * catRate / base)} % of one raw stream (target ≥ 60 %: ${catRate / base >= 0.6 ? 'met' : 'NOT met'}), ${Math.round(100 * catRate / rate(ms))} % of one shard stream`)
  console.log(`retrieval, median round: fetch + verify k shards (time to first byte) ${(ttfb / 1000).toFixed(2)} s = ${Math.round(mbps(mc.bytes, ttfb))} MB/s of file; decode + HTTP ${((mc.ms - ttfb) / 1000).toFixed(2)} s = ${Math.round(mbps(mc.bytes, mc.ms - ttfb))} MB/s`)
  console.log(`CPU seconds, median rounds (cores busy): raw push — sender ${cores(mr, 'peer')}, receiver ${cores(mr, 'bench')}; shard stream — host ${cores(ms, 'peer')}, receiver ${cores(ms, 'bench')}; ${k} streams — hosts ${cores(mp, 'peer')}, receiver ${cores(mp, 'bench')}; + scratch files — hosts ${cores(mw, 'peer')}, receiver ${cores(mw, 'bench')}; GET /cat — renter ${cores(mc, 'renter')}, hosts ${cores(mc, 'hosts')}, HTTP client ${cores(mc, 'bench')}`)
  console.log(`renter peak RSS (VmHWM): ${peakBefore} MiB through the adds and uploads; ${peakReset ? `${peakRetrieve} MiB during the ${rounds} retrievals` : `${peakRetrieve} MiB over the whole run (VmHWM could not be reset)`}; setup (2 adds, 2 uploads, unpin, gc) ${setupS.toFixed(1)} s`)
}

let stopping = false
let fail: (err: Error) => void = () => {}

/** Stops every child (SIGTERM, SIGKILL after 10 s) and deletes every temp folder. */
async function cleanup (): Promise<void> {
  stopping = true
  await Promise.all(children.map(async c => {
    if (c.exitCode !== null || c.signalCode !== null) return
    const exited = once(c, 'exit')
    c.stdin?.end()
    c.kill('SIGTERM')
    const timer = setTimeout(() => { c.kill('SIGKILL') }, 10_000)
    await exited
    clearTimeout(timer)
  }))
  for (const d of dirs) await rm(d, { recursive: true, force: true }).catch(() => {})
}

if (process.argv[2] === 'pusher') {
  await pusher()
} else {
  let interrupted: string | undefined
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => { interrupted = signal; fail(new Error(`interrupted by ${signal}`)) })
  }
  let code = 0
  try {
    await Promise.race([
      main(),
      new Promise<never>((_resolve, reject) => { fail = reject }),
      new Promise<never>((_resolve, reject) => { setTimeout(() => { reject(new Error(`bench took over ${deadline / 1000} s`)) }, deadline).unref() })
    ])
  } catch (err) {
    if (interrupted !== undefined) console.error(`bench:retrieve interrupted by ${interrupted}; stopping the daemons`)
    else console.error('bench:retrieve failed:', err)
    code = interrupted !== undefined ? 130 : 1
  } finally {
    await cleanup()
  }
  process.exit(code)
}
