import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import type { ContractStore } from '../contracts/store.js'
import type { Logger } from '../logger.js'
import { MerkleBuilder } from '../merkle/index.js'
import { RateLimiter } from '../renter/rate.js'
import type { Bucket, Datastore } from '../store/index.js'
import type { HostShardStore } from './shard-store.js'

/** The last self-check of one stored shard. */
export interface ShardCheck {
  cid: string
  size: number
  /** Host contracts in force for this shard. */
  contracts: string[]
  /** unix ms */
  checkedAt: number
  ok: boolean
  /** missing, size, cid or merkle-root: what did not match. */
  problem?: 'missing' | 'size' | 'cid' | 'merkle-root'
  message?: string
}

/** A summary of the last full pass. */
export interface SelfCheckPass {
  started: number
  finished?: number
  checked: number
  corrupt: number
  bytes: number
}

export interface SelfCheckComponents {
  contracts: ContractStore
  shards: HostShardStore
  datastore: Datastore
  logger: Logger
  /** ms between the starts of two passes; 0 turns the background pass off. */
  intervalMs: number
  /** bytes per second read at most (0: no cap). */
  rate: number
  /** Told when a shard is found corrupt or missing (drops the prover's cached tree). */
  onBad?: (cid: string) => void
}

const chunk = 4 * 1024 * 1024

/**
 * The host's own audit: in the background, every stored shard is read back and its SHA-256 (the
 * CID) and RFC 6962 Merkle root are compared with what its contracts say. A mismatch is logged as
 * an error and shown by GET /host/shards, so the operator learns of bit rot or a lost file
 * before a renter's challenge draws a damaged leaf. Reads are rate-capped (host.selfCheckRate)
 * so that serving renters comes first; results persist in the `host-selfcheck` bucket.
 */
export class HostSelfCheck {
  readonly #c: SelfCheckComponents
  readonly #results: Bucket<string, ShardCheck>
  readonly #limiter: RateLimiter
  #timer?: NodeJS.Timeout
  #running?: Promise<SelfCheckPass>
  #last?: SelfCheckPass
  #stopped = false

  constructor (components: SelfCheckComponents) {
    this.#c = components
    this.#results = components.datastore.bucket<string, ShardCheck>('host-selfcheck', 'utf8', 'json')
    this.#limiter = new RateLimiter(components.rate)
  }

  start (): void {
    if (this.#c.intervalMs <= 0) return
    // The first pass soon after start (a restart is when a lost disk shows), then every interval.
    this.#arm(Math.min(this.#c.intervalMs, 10_000))
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running?.catch(() => {})
  }

  #arm (delay: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.run().catch((err: Error) => { this.#c.logger.warn({ err: err.message }, 'self-check pass failed to run') })
        .finally(() => { this.#arm(this.#c.intervalMs) })
    }, delay)
    this.#timer.unref()
  }

  /** The last pass (undefined before the first) and every shard's last result. */
  async status (): Promise<{ pass?: SelfCheckPass, shards: ShardCheck[] }> {
    const shards: ShardCheck[] = []
    for await (const value of this.#results.values()) shards.push(value)
    return { ...(this.#last !== undefined ? { pass: this.#last } : {}), shards }
  }

  /** Runs a pass now (or joins the one running) and returns its summary. */
  async run (): Promise<SelfCheckPass> {
    this.#running ??= this.#pass().finally(() => { this.#running = undefined })
    return await this.#running
  }

  async #pass (): Promise<SelfCheckPass> {
    const expected = new Map<string, { size: number, merkleRoot: string, leafSize: number, contracts: string[] }>()
    for await (const record of this.#c.contracts.list('host')) {
      if (record.state !== 'stored') continue
      const t = record.terms
      const cid = CID.parse(t.shardCid).toString()
      const seen = expected.get(cid)
      if (seen === undefined) expected.set(cid, { size: t.shardSize, merkleRoot: t.merkleRoot, leafSize: t.leafSize, contracts: [t.id] })
      else seen.contracts.push(t.id)
    }
    const pass: SelfCheckPass = { started: Date.now(), checked: 0, corrupt: 0, bytes: 0 }
    this.#last = pass
    for (const [cid, want] of expected) {
      if (this.#stopped) break
      const result = await this.#check(cid, want, pass)
      pass.checked++
      if (!result.ok) {
        pass.corrupt++
        this.#c.onBad?.(cid)
        this.#c.logger.error({ cid, contracts: want.contracts, problem: result.problem, message: result.message }, 'self-check: a stored shard is damaged or missing; renters will fail its challenges')
      }
      await this.#results.put(cid, result)
    }
    // Results of shards no longer held under a contract are dropped.
    for await (const key of this.#results.keys()) if (!expected.has(key)) await this.#results.del(key)
    pass.finished = Date.now()
    this.#c.logger.info({ checked: pass.checked, corrupt: pass.corrupt, bytes: pass.bytes, ms: pass.finished - pass.started }, 'self-check pass done')
    return pass
  }

  async #check (cid: string, want: { size: number, merkleRoot: string, leafSize: number, contracts: string[] }, pass: SelfCheckPass): Promise<ShardCheck> {
    const result: ShardCheck = { cid, size: want.size, contracts: want.contracts, checkedAt: Date.now(), ok: false }
    const handle = await this.#c.shards.open(cid)
    if (handle === undefined) return { ...result, problem: 'missing', message: 'the shard file is gone' }
    try {
      const size = (await handle.stat()).size
      if (size !== want.size) return { ...result, problem: 'size', message: `the file has ${size} bytes, the contract ${want.size}` }
      const hash = createHash('sha256')
      const merkle = new MerkleBuilder(want.leafSize)
      const buffer = Buffer.allocUnsafe(Math.min(chunk, Math.max(1, size)))
      for (let at = 0; at < size;) {
        const n = Math.min(buffer.length, size - at)
        await this.#limiter.take(n)
        const { bytesRead } = await handle.read(buffer, 0, n, at)
        if (bytesRead === 0) return { ...result, problem: 'size', message: 'the file shrank while being read' }
        const part = buffer.subarray(0, bytesRead)
        hash.update(part)
        merkle.update(part)
        at += bytesRead
        pass.bytes += bytesRead
      }
      if (!hash.digest().equals(Buffer.from(CID.parse(cid).multihash.digest))) return { ...result, problem: 'cid', message: 'the bytes no longer hash to the shard CID' }
      const root = '0x' + Buffer.from(merkle.root()).toString('hex')
      if (root !== want.merkleRoot) return { ...result, problem: 'merkle-root', message: `the Merkle root is ${root}, the contract says ${want.merkleRoot}` }
      return { ...result, ok: true }
    } finally {
      await handle.close()
    }
  }
}
