/**
 * bench:load — a daemon under heavy, mixed load (issue 11). A btfs-ts daemon in its own process
 * (dist/src/cli/main.js daemon on a temp repo, default config) serves BENCH_SECONDS (default 60)
 * of 200 concurrent `GET /cat` (20 clients reading 4 MiB files, 180 reading 64 KiB ones) while
 * 20 concurrent `POST /add` put in 1 MiB of unique content each. Baseline, in the same run, with
 * the same files, mix, concurrency and load generator: a plain `node:http` server in its own
 * process streaming the same bytes from disk (reads only). Prints, every second, req/s,
 * p50/p99 latency and errors for cat and add apart and the server's RSS; then the summary with
 * a pass/fail per target: 0 errors, cat ≥ 0.7 × the baseline's req/s, daemon peak RSS < 512 MiB,
 * daemon RSS once idle and settled within 64 MiB of before (measured after BENCH_WARMUP, default
 * 10 s, of the same load: what is allocated once — the hash arena, the read pools, the JIT's and
 * the heap's first growth — is not a leak). Exits 1 when a target is missed.
 *
 * For diagnosis: BENCH_ADDS=0 runs the reads alone, BENCH_LARGE_CLIENTS=N sets how many of the
 * 200 readers fetch 4 MiB files, BENCH_DAEMON_FLAGS passes node flags to the
 * daemon (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 *
 * The load generator (undici, one keep-alive connection per concurrent client) reports its own
 * event-loop utilisation and CPU: below ~0.9 it spent time waiting for the server, so the server,
 * not the generator, set the pace.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { MiB, cpuModel, generatorPool, machine, procCpuSeconds, procStatusKiB, quantile } from './lib.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 60)
/** Seconds of the same mixed load before the measured phase, not counted (first-use allocations: pools, JIT, heap). */
const warmupSeconds = Number(process.env.BENCH_WARMUP ?? 10)
const catClients = 200
const addClients = Number(process.env.BENCH_ADDS ?? 20)
const smallFiles = 32
const largeFiles = 8
/** Readers that fetch 4 MiB files (the others fetch 64 KiB ones). */
const largeClients = Number(process.env.BENCH_LARGE_CLIENTS ?? 20)

interface Served { cid: string, size: number }
interface Tick { count: number, p50: number, p99: number, errors: number }

/** Latencies and errors of one kind of request, per second and in all. */
class Meter {
  #second: number[] = []
  #secondErrors = 0
  readonly all: number[] = []
  errors = 0
  bytes = 0
  firstError: string | undefined

  record (ms: number, ok: boolean, bytes: number, counted: boolean, error?: string): void {
    if (!ok) {
      this.errors++
      this.#secondErrors++
      this.firstError ??= error
      return
    }
    if (!counted) return
    this.#second.push(ms)
    this.all.push(ms)
    this.bytes += bytes
  }

  tick (): Tick {
    const sorted = this.#second.sort((a, b) => a - b)
    const tick = { count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), errors: this.#secondErrors }
    this.#second = []
    this.#secondErrors = 0
    return tick
  }

  overall (durationMs: number): { rps: number, p50: number, p99: number, mbps: number } {
    const sorted = [...this.all].sort((a, b) => a - b)
    return { rps: sorted.length / (durationMs / 1000), p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mbps: this.bytes / 1e6 / (durationMs / 1000) }
  }
}

/** 1 MiB nobody sent before: the keystream pool with the add's number stamped every 4 KiB. */
function uniqueBody (n: number): Buffer {
  const pool = generatorPool(7)
  const out = Buffer.allocUnsafe(MiB)
  const at = (n * 4096 * 13) % (pool.length - MiB)
  pool.copy(out, 0, at, at + MiB)
  for (let i = 0; i + 16 <= MiB; i += 4096) { out.writeDoubleLE(n, i); out.writeDoubleLE(i, i + 8) }
  return out
}

/** Starts `args` with node and resolves once it prints its URL. */
async function startServer (args: string[], pattern: RegExp): Promise<{ proc: ChildProcess, url: string }> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BTFS_TS_LOG: 'warn' } })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const match = pattern.exec(out)
      if (match !== null) resolve(match[1] as string)
    })
    proc.once('exit', code => { reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)) })
  })
  return { proc, url }
}

async function stopServer (proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = once(proc, 'exit')
  proc.kill('SIGTERM')
  await exited
}

/** The baseline: plain node:http, `GET /cat/<name>` streams `dir/<name>` from disk. */
function baselineServer (dir: string): void {
  const server = createServer((req, res) => {
    const name = /^\/cat\/([A-Za-z0-9]+)$/.exec(req.url ?? '')?.[1]
    if (req.method !== 'GET' || name === undefined) { res.writeHead(404).end(); return }
    const path = join(dir, name)
    stat(path).then(s => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': s.size })
      createReadStream(path).on('error', () => { res.destroy() }).pipe(res)
    }, () => { res.writeHead(404).end() })
  })
  server.keepAliveTimeout = 60000
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number }
    console.log(`baseline listening on http://127.0.0.1:${address.port}`)
  })
  process.once('SIGTERM', () => { server.close(); server.closeAllConnections() })
}

async function cat (agent: Agent, base: string, file: Served, meters: Meter[], stopAt: number): Promise<void> {
  const start = performance.now()
  try {
    const { statusCode, body } = await request(`${base}/cat/${file.cid}`, { dispatcher: agent })
    let n = 0
    for await (const chunk of body) n += (chunk as Buffer).length
    const end = performance.now()
    const ok = statusCode === 200 && n === file.size
    for (const meter of meters) meter.record(end - start, ok, n, end <= stopAt, `GET /cat: status ${statusCode}, ${n} of ${file.size} bytes`)
  } catch (err) {
    for (const meter of meters) meter.record(0, false, 0, true, `GET /cat: ${(err as Error).message}`)
  }
}

async function add (agent: Agent, base: string, n: number, meter: Meter, stopAt: number): Promise<void> {
  const start = performance.now()
  try {
    const { statusCode, body } = await request(`${base}/add`, { method: 'POST', body: uniqueBody(n), headers: { 'content-type': 'application/octet-stream' }, dispatcher: agent })
    const text = await body.text()
    const end = performance.now()
    const ok = statusCode === 200 && typeof (JSON.parse(text) as { cid?: unknown }).cid === 'string'
    meter.record(end - start, ok, MiB, end <= stopAt, `POST /add: status ${statusCode}: ${text.slice(0, 200)}`)
  } catch (err) {
    meter.record(0, false, 0, true, `POST /add: ${(err as Error).message}`)
  }
}

const fmt = (ms: number): string => Number.isNaN(ms) ? '   -  ' : ms.toFixed(1).padStart(6)
const line = (name: string, t: Tick): string => `${name} ${String(t.count).padStart(5)} req/s  p50 ${fmt(t.p50)} ms  p99 ${fmt(t.p99)} ms  err ${t.errors}`

interface PhaseResult { cat: Meter, small: Meter, large: Meter, add: Meter, ms: number, generator: { elu: number, cpu: number }, serverCpu: number, serverSystem: number }

/**
 * Runs the load for `seconds` against `base`: `catClients` readers and, when `withAdds`,
 * `addClients` writers, each a loop of one request at a time on its own keep-alive connection.
 */
async function phase (name: string, base: string, files: Served[], pid: number, withAdds: boolean, length = seconds): Promise<PhaseResult> {
  const catAgent = new Agent({ connections: catClients, keepAliveTimeout: 30000 })
  const addAgent = new Agent({ connections: addClients, keepAliveTimeout: 30000 })
  const small = files.filter(f => f.size < MiB)
  const large = files.filter(f => f.size >= MiB)
  const catMeter = new Meter()
  const smallMeter = new Meter()
  const largeMeter = new Meter()
  const addMeter = new Meter()
  const started = performance.now()
  const stopAt = started + length * 1000
  const elu = performance.eventLoopUtilization()
  const cpu = process.cpuUsage()
  const serverCpu = procCpuSeconds(pid)
  let second = 0
  const ticker = setInterval(() => {
    second++
    const rss = Math.round(procStatusKiB(pid, 'VmRSS') / 1024)
    console.log(`${name} ${String(second).padStart(3)}s | ${line('cat', catMeter.tick())}${withAdds ? ` | ${line('add', addMeter.tick())}` : ''} | RSS ${rss} MiB`)
  }, 1000)
  let nextAdd = 0
  const readers = Array.from({ length: catClients }, async (_, client) => {
    const isLarge = client < largeClients
    const list = isLarge ? large : small
    for (let k = client; performance.now() < stopAt; k++) {
      await cat(catAgent, base, list[k % list.length] as Served, [catMeter, isLarge ? largeMeter : smallMeter], stopAt)
    }
  })
  const writers = withAdds && addClients > 0 ? Array.from({ length: addClients }, async () => { while (performance.now() < stopAt) await add(addAgent, base, nextAdd++, addMeter, stopAt) }) : []
  await Promise.all([...readers, ...writers])
  clearInterval(ticker)
  const ms = Math.min(performance.now(), stopAt) - started
  const used = process.cpuUsage(cpu)
  const serverCpuNow = procCpuSeconds(pid)
  const generator = { elu: performance.eventLoopUtilization(elu).utilization, cpu: (used.user + used.system) / 1000 / (performance.now() - started) }
  await Promise.all([catAgent.close(), addAgent.close()])
  return { cat: catMeter, small: smallMeter, large: largeMeter, add: addMeter, ms, generator, serverCpu: serverCpuNow.user + serverCpuNow.system - serverCpu.user - serverCpu.system, serverSystem: serverCpuNow.system - serverCpu.system }
}

/** The process's RSS once it stopped moving (6 samples 0.5 s apart within 2 MiB), in MiB. */
async function settledRssMiB (pid: number, maxMs = 30000): Promise<number> {
  const samples: number[] = []
  const deadline = Date.now() + maxMs
  for (;;) {
    samples.push(procStatusKiB(pid, 'VmRSS') / 1024)
    const last = samples.slice(-6)
    if ((last.length === 6 && Math.max(...last) - Math.min(...last) <= 2) || Date.now() > deadline) return last.at(-1) as number
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

/** Puts the files into the daemon and beside the baseline (named by CID), then reads each once through both. */
async function prepare (dir: string, daemon: string): Promise<Served[]> {
  const files: Served[] = []
  const agent = new Agent({ connections: 4 })
  for (let i = 0; i < smallFiles + largeFiles; i++) {
    const size = i < smallFiles ? 64 * 1024 : 4 * MiB
    const bytes = Buffer.concat([uniqueBody(1e9 + i * 4), uniqueBody(1e9 + i * 4 + 1), uniqueBody(1e9 + i * 4 + 2), uniqueBody(1e9 + i * 4 + 3)]).subarray(0, size)
    const { statusCode, body } = await request(`${daemon}/add`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' }, dispatcher: agent })
    const { cid } = await body.json() as { cid: string }
    if (statusCode !== 200) throw new Error(`setup add failed with ${statusCode}`)
    await writeFile(join(dir, cid), bytes)
    files.push({ cid, size })
  }
  await agent.close()
  return files
}

async function main (): Promise<void> {
  if (process.argv[2] === 'baseline') { baselineServer(process.argv[3] as string); return }
  const tmp = await mkdtemp(join(tmpdir(), 'btfs-bench-load-'))
  const servers: ChildProcess[] = []
  try {
    const filesDir = join(tmp, 'files')
    await mkdir(filesDir)
    const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url))
    const flags = (process.env.BENCH_DAEMON_FLAGS ?? '').split(' ').filter(f => f !== '')
    const daemon = await startServer([...flags, cli, '--repo', join(tmp, 'repo'), 'daemon', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], /API server listening on (http:\/\/\S+)/)
    servers.push(daemon.proc)
    const daemonPid = daemon.proc.pid as number
    const files = await prepare(filesDir, daemon.url)
    const base = await startServer([fileURLToPath(import.meta.url), 'baseline', filesDir], /baseline listening on (http:\/\/\S+)/)
    servers.push(base.proc)
    console.log(`bench:load — ${seconds} s per phase; ${catClients} concurrent GET /cat (${catClients - largeClients} clients cycling over ${smallFiles} files of 64 KiB, ${largeClients} over ${largeFiles} of 4 MiB) + ${addClients} concurrent POST /add (1 MiB, unique); ${machine()}; CPU ${cpuModel()}; ${new Date().toISOString()}`)
    const baseline = await phase('baseline', base.url, files, base.proc.pid as number, false)
    await stopServer(base.proc)
    const idleMiB = await settledRssMiB(daemonPid)
    if (warmupSeconds > 0) await phase('warm-up ', daemon.url, files, daemonPid, true, warmupSeconds)
    const beforeMiB = await settledRssMiB(daemonPid)
    const ours = await phase('btfs-ts ', daemon.url, files, daemonPid, true)
    const afterMiB = await settledRssMiB(daemonPid)
    const peakMiB = procStatusKiB(daemonPid, 'VmHWM') / 1024

    const b = baseline.cat.overall(baseline.ms)
    const c = ours.cat.overall(ours.ms)
    const a = ours.add.overall(ours.ms)
    console.log('\nsummary')
    const serverCpu = (r: PhaseResult): string => `${Math.round(r.serverCpu / (r.ms / 1000) * 100)} % (sys ${Math.round(r.serverSystem / (r.ms / 1000) * 100)} %)`
    const generator = (r: PhaseResult): string => `ELU ${r.generator.elu.toFixed(2)}, CPU ${Math.round(r.generator.cpu * 100)} %`
    console.table([
      { path: 'baseline node:http, GET', 'req/s': Math.round(b.rps), 'MB/s': Math.round(b.mbps), 'p50 ms': b.p50.toFixed(1), 'p99 ms': b.p99.toFixed(1), errors: baseline.cat.errors, 'server CPU': serverCpu(baseline), 'load generator': generator(baseline) },
      { path: 'btfs-ts GET /cat', 'req/s': Math.round(c.rps), 'MB/s': Math.round(c.mbps), 'p50 ms': c.p50.toFixed(1), 'p99 ms': c.p99.toFixed(1), errors: ours.cat.errors, 'server CPU': serverCpu(ours), 'load generator': generator(ours) },
      { path: 'btfs-ts POST /add (1 MiB)', 'req/s': Math.round(a.rps), 'MB/s': Math.round(a.mbps), 'p50 ms': a.p50.toFixed(1), 'p99 ms': a.p99.toFixed(1), errors: ours.add.errors, 'server CPU': '(same process)', 'load generator': '' }
    ])
    for (const [name, r] of [['baseline', baseline], ['btfs-ts', ours]] as const) {
      const sm = r.small.overall(r.ms)
      const lg = r.large.overall(r.ms)
      console.log(`${name}: 64 KiB ${Math.round(sm.rps)} req/s (p50 ${sm.p50.toFixed(1)} ms, p99 ${sm.p99.toFixed(1)} ms), 4 MiB ${Math.round(lg.rps)} req/s (p50 ${lg.p50.toFixed(1)} ms, p99 ${lg.p99.toFixed(1)} ms, ${Math.round(lg.mbps)} MB/s)`)
    }
    console.log(`daemon RSS, settled: ${Math.round(idleMiB)} MiB idle after setup, ${Math.round(beforeMiB)} MiB after ${warmupSeconds} s of warm-up (first-use pools and heap), ${Math.round(afterMiB)} MiB after the measured ${seconds} s`)
    console.log(`server CPU per cat request: baseline ${(baseline.serverCpu * 1000 / baseline.cat.all.length).toFixed(2)} ms, btfs-ts ${(ours.serverCpu * 1000 / (ours.cat.all.length + ours.add.all.length)).toFixed(2)} ms per request (cat and add together)`)
    for (const m of [baseline.cat, ours.cat, ours.add]) if (m.firstError !== undefined) console.log(`first error: ${m.firstError}`)
    const ratio = c.rps / b.rps
    const errors = baseline.cat.errors + ours.cat.errors + ours.add.errors
    const targets = [
      { target: 'errors = 0', measured: String(errors), met: errors === 0 },
      { target: 'cat ≥ 0.7 × baseline req/s', measured: `${ratio.toFixed(2)} ×`, met: ratio >= 0.7 },
      { target: 'daemon peak RSS < 512 MiB', measured: `${Math.round(peakMiB)} MiB`, met: peakMiB < 512 },
      { target: 'RSS after, settled, within 64 MiB of before', measured: `${Math.round(beforeMiB)} → ${Math.round(afterMiB)} MiB (${afterMiB - beforeMiB >= 0 ? '+' : ''}${Math.round(afterMiB - beforeMiB)})`, met: afterMiB - beforeMiB <= 64 },
      { target: 'load generator not the bottleneck (ELU < 0.9)', measured: `${baseline.generator.elu.toFixed(2)} / ${ours.generator.elu.toFixed(2)}`, met: Math.max(baseline.generator.elu, ours.generator.elu) < 0.9 }
    ]
    console.table(targets.map(t => ({ ...t, met: t.met ? 'pass' : 'FAIL' })))
    if (targets.some(t => !t.met)) process.exitCode = 1
  } finally {
    await Promise.all(servers.map(stopServer))
    await rm(tmp, { recursive: true, force: true })
  }
}

await main()
