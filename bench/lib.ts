import '../src/polyfill.js'
import { execSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createCipheriv, createHash } from 'node:crypto'
import { once } from 'node:events'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB

const pools = new Map<number, Buffer>()

/** The 16 MiB keystream pool of `seed`, made once per process (call before timing starts). */
export function generatorPool (seed = 1): Buffer {
  let pool = pools.get(seed)
  if (pool === undefined) {
    const key = createHash('sha256').update(`btfs-ts bench ${seed}`).digest().subarray(0, 16)
    pool = createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(16 * MiB))
    pools.set(seed, pool)
  }
  return pool
}

/**
 * A deterministic pseudo-random byte stream that costs little to produce (so it is not what a
 * benchmark measures): the seed's keystream pool (see generatorPool) copied out in fresh
 * `piece`-byte buffers (consumers may keep them, as a socket's would be), with a running
 * counter stamped every 4 KiB so no two chunks of any chunker repeat.
 */
export async function * generated (total: number, seed = 1, piece = MiB): AsyncGenerator<Uint8Array> {
  const pool = generatorPool(seed)
  let stamp = 0
  for (let sent = 0; sent < total; sent += piece) {
    const size = Math.min(piece, total - sent)
    const at = sent % pool.length
    const out = Buffer.allocUnsafe(size)
    pool.copy(out, 0, at, Math.min(at + size, pool.length))
    if (at + size > pool.length) pool.copy(out, pool.length - at, 0, at + size - pool.length)
    for (let i = 0; i + 8 <= size; i += 4096) out.writeDoubleLE(stamp++, i)
    yield out
  }
}

/** MB/s (10^6 bytes per second). */
export function mbps (bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000)
}

/** This process's peak resident set size, in MiB. */
export function peakRssMiB (): number {
  return process.resourceUsage().maxRSS / 1024
}

/** One line describing the machine, for BENCHMARKS.md. */
export function machine (): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / GiB)} GiB, Node ${process.version}`
}

/**
 * Runs `script` (a compiled bench file) as a child process with `args`, so each measured path
 * has its own process and its own peak RSS; resolves to the JSON object the child prints last.
 */
export async function runWorker<T> (script: string | URL, args: string[]): Promise<T> {
  const child = spawn(process.execPath, [fileURLToPath(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { BTFS_TS_LOG: 'warn', ...process.env } })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  if (code !== 0) throw new Error(`${String(script)} ${args.join(' ')} exited with ${code}`)
  const last = out.trim().split('\n').at(-1) ?? '{}'
  return JSON.parse(last) as T
}

/**
 * Flushes dirty pages and waits until the kernel has written them back, so that the writeback of
 * one measured run does not slow the next one (paths that never fsync leave it behind).
 */
export async function settle (): Promise<void> {
  execSync('sync')
  for (let i = 0; i < 200; i++) {
    let meminfo = ''
    try { meminfo = readFileSync('/proc/meminfo', 'utf8') } catch { return }
    const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0)
    if (kib('Dirty') + kib('Writeback') < 1024) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** Prints a result table row by row. */
export function table (rows: Array<Record<string, string | number>>): void {
  console.table(rows)
}

/** A numeric field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or NaN where there is no /proc. */
export function procStatusKiB (pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return Number(match?.[1])
  } catch {
    return Number.NaN
  }
}

/** The p-quantile (0..1) of `sorted` (ascending), nearest rank; NaN when empty. */
export function quantile (sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number
}

/** The CPU model of this machine, from /proc/cpuinfo (else os.cpus). */
export function cpuModel (): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU'
  } catch {
    return cpus()[0]?.model ?? 'unknown CPU'
  }
}

/** CPU seconds (all threads) a process has used so far, from /proc/<pid>/stat; NaN where there is none. */
export function procCpuSeconds (pid: number): { user: number, system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // fields after the command (which may hold spaces) start at state, field 3; utime and stime are 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 }
  } catch {
    return { user: Number.NaN, system: Number.NaN }
  }
}
