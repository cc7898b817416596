import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { Config } from '../../src/config/index.js'
import { Repo } from '../../src/repo/index.js'
import { spawnDaemon, type DaemonProcess } from './daemon.js'
import { waitFor } from './wait.js'

/** A daemon of a test network, with what the tests need to reach it. */
export interface NetNode extends DaemonProcess {
  peerId: string
  /** Its libp2p address, with /p2p/<peer id>. */
  addr: string
  api: <T = any>(path: string, init?: RequestInit) => Promise<T>
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] }

/**
 * What every test repo differs in from the defaults: no fsync (speed), and hosts that answer
 * challenges as often as the test renters ask (their proofs.interval is a few hundred ms).
 */
function withTestDefaults (config: DeepPartial<Config> = {}): Partial<Config> {
  return { ...config, blocks: { fsync: false }, host: { minChallengeInterval: '100ms', ...config.host } } as Partial<Config>
}

async function api<T> (url: string, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${url}${path}`, init)
  const body = await res.json() as T
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`)
  return body
}

/**
 * Starts a btfs-ts daemon as a child process on a fresh repo in a temp dir (real LevelDB, real
 * TCP on 127.0.0.1 port 0), with `config` merged over the defaults and `args` appended to
 * `daemon`. Stopped and deleted at teardown.
 */
export async function startNetNode (t: Test, options: { config?: DeepPartial<Config>, args?: string[], bootstrap?: NetNode, repo?: string, env?: NodeJS.ProcessEnv } = {}): Promise<NetNode> {
  let repo = options.repo
  const fresh = repo === undefined
  if (repo === undefined) {
    repo = await mkdtemp(join(tmpdir(), 'btfs-ts-net-'))
    await Repo.init(repo, withTestDefaults(options.config))
  }
  const args = [...(options.args ?? []), ...(options.bootstrap !== undefined ? ['--bootstrap', options.bootstrap.addr] : [])]
  const daemon = await spawnDaemon(t, repo, { args, ...(options.env !== undefined ? { env: options.env } : {}) })
  const root = repo
  // Registered after spawnDaemon's own teardown, so the daemon has stopped when its repo goes.
  if (fresh) t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  const id = await api<{ id: string, addresses: string[] }>(daemon.url, '/id')
  const addr = id.addresses.find(a => a.startsWith('/ip4/127.0.0.1/'))
  if (addr === undefined) throw new Error(`node has no loopback address: ${id.addresses.join(', ')}`)
  return { ...daemon, peerId: id.id, addr, api: async (path, init) => await api(daemon.url, path, init) }
}

/**
 * A repo made for a daemon to start on later (real LevelDB, config merged over the defaults),
 * and its wallet address: for tests that must know a wallet before its node starts (to fund it,
 * or to make it a vault's issuer). Deleted at teardown.
 */
export async function initRepo (t: Test, config: DeepPartial<Config> = {}): Promise<{ repo: string, address: string }> {
  const repo = await mkdtemp(join(tmpdir(), 'btfs-ts-net-'))
  t.teardown(async () => { await rm(repo, { recursive: true, force: true }) })
  await Repo.init(repo, withTestDefaults(config))
  const { Wallet } = await import('../../src/wallet/wallet.js')
  return { repo, address: (await Wallet.open(join(repo, 'keystore', 'wallet.key'))).address }
}

/**
 * A renter and `hosts` host daemons bootstrapped to the first host; resolves once the renter's
 * directory lists every host (found on the DHT). `hostConfig(i)` sets host i's config.
 */
export async function startNetwork (t: Test, options: { hosts: number, hostConfig?: (i: number) => DeepPartial<Config>, renterConfig?: DeepPartial<Config> }): Promise<{ renter: NetNode, hosts: NetNode[] }> {
  const first = await startNetNode(t, { args: ['--host'], config: options.hostConfig?.(0) ?? {} })
  const rest = await Promise.all(Array.from({ length: options.hosts - 1 }, async (_, i) => await startNetNode(t, { args: ['--host'], bootstrap: first, config: options.hostConfig?.(i + 1) ?? {} })))
  const hosts = [first, ...rest]
  const renter = await startNetNode(t, { bootstrap: first, config: options.renterConfig ?? {} })
  let found: Array<{ peerId: string }> = []
  await waitFor(`the renter to discover ${hosts.length} hosts`, async () => {
    found = (await renter.api<{ hosts: Array<{ peerId: string }> }>('/hosts?refresh=true')).hosts
    return found.length === hosts.length
  }, 60000).catch(async (err: Error) => {
    // say what was found and what the renter saw, so a slow discovery can be told from a broken one
    const peers = (await renter.api<{ peers: Array<{ id: string }> }>('/peers')).peers.map(p => p.id)
    const missing = hosts.filter(h => !found.some(f => f.peerId === h.peerId)).map(h => ({ peer: h.peerId, connected: peers.includes(h.peerId), log: h.stderr().slice(-1500) }))
    throw new Error(`${err.message}: found ${found.length}; missing ${JSON.stringify(missing)}; renter log ${renter.stderr().slice(-3000)}`)
  })
  return { renter, hosts }
}

/** An upload session as GET /storage/upload/:id shows it (the fields tests look at). */
export interface UploadStatus {
  id: string
  state: string
  manifest?: string
  error?: string
  notes: string[]
  shards: Array<{ index: number, cid: string, host?: string, contractId?: string, state: string, bytesSent: number, attempts: number }>
}

/** Polls the session until it is complete or failed. */
export async function uploadFinished (node: NetNode, id: string, timeoutMs = 120000): Promise<UploadStatus> {
  let status: UploadStatus | undefined
  await waitFor(`upload ${id} to finish`, async () => {
    status = await node.api<UploadStatus>(`/storage/upload/${id}`)
    return status.state === 'complete' || status.state === 'failed'
  }, timeoutMs)
  return status as UploadStatus
}
