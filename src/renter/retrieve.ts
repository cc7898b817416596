import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import type { ContractStore } from '../contracts/store.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import type { Network } from '../network/interface.js'
import { getShard, hasShard } from '../network/protocols/shard.js'
import { fileShardSource, type ShardSource } from '../shards/decoder.js'
import type { Manifest } from '../shards/manifest.js'
import type { ShardService } from '../shards/service.js'
import type { OpenedFile, ReadRange } from '../unixfs/reader.js'

export interface RetrieveComponents {
  network: Network
  contracts: ContractStore
  shards: ShardService
  logger: Logger
  /** Scratch folder for fetched shards (<repo>/tmp). */
  tmpDir: string
  /** Shards fetched in parallel beyond k. */
  extra: number
}

/** A host said to hold shard `index`, under contract `contractId`. */
export interface ShardLocation {
  index: number
  cid: CID
  size: number
  host: string
  contractId: string
}

/**
 * Rebuilds files from hosts when the local copy is gone: the newest manifest of the root names
 * the shards, the renter's stored contracts name their hosts. More than k shards are fetched in
 * parallel (k + storage.retrieveExtra, data shards first: no reconstruction needed when they all
 * arrive); each is written to a scratch file while its SHA-256 is computed, and counts only when
 * it matches its CID. The first k verified shards win, the other fetches are cancelled, a failed
 * or corrupt one is replaced by the next candidate. Then the file streams out of the decoder.
 */
export class Retriever {
  readonly #c: RetrieveComponents

  constructor (components: RetrieveComponents) {
    this.#c = components
  }

  /** Empties the scratch folder (fetches interrupted by a crash). */
  async start (): Promise<void> {
    await rm(this.#c.tmpDir, { recursive: true, force: true })
    await mkdir(this.#c.tmpDir, { recursive: true })
  }

  /** Hosts holding each shard of `manifest`, by the renter's stored contracts. */
  async locations (manifest: Manifest): Promise<ShardLocation[]> {
    // Several indices can share a CID (with k = 1 every shard is a copy): a host holding that
    // CID serves each of them, but only the index its contract was signed for counts as its own.
    const byCid = new Map<string, Manifest['shards']>()
    for (const s of manifest.shards) byCid.set(s.cid.toString(), [...byCid.get(s.cid.toString()) ?? [], s])
    const out = new Map<string, ShardLocation>()
    for await (const record of this.#c.contracts.list('renter')) {
      if (record.state !== 'stored') continue
      const shards = byCid.get(record.terms.shardCid) ?? []
      const own = shards.find(s => s.index === record.upload?.index) ?? shards[0]
      // A host holding a shard under several contracts (renewals) is one location.
      if (own !== undefined) out.set(`${own.index}/${record.terms.hostPeer}`, { index: own.index, cid: own.cid, size: own.size, host: record.terms.hostPeer, contractId: record.terms.id })
    }
    return [...out.values()]
  }

  /**
   * The file `root` as an OpenedFile rebuilt from hosts; NOT_FOUND when no manifest of it exists.
   * With `fetch` (a GET, not a HEAD) k verified shards are fetched before this returns, so a file
   * that cannot be rebuilt fails with NOT_ENOUGH_SHARDS before any byte is sent.
   */
  async open (root: CID, options: { fetch: boolean, signal?: AbortSignal }): Promise<OpenedFile> {
    const latest = await this.#c.shards.latest(root)
    if (latest === undefined) throw new AppError('NOT_FOUND', `${root.toString()} is neither stored locally nor uploaded from this node`)
    return await this.openManifest(latest.manifest, options)
  }

  /** The file of `manifest` rebuilt from hosts (see `open`). */
  async openManifest (manifest: Manifest, options: { fetch: boolean, signal?: AbortSignal }): Promise<OpenedFile> {
    const root = manifest.root
    let fetched: { dir: string, sources: Array<ShardSource | undefined> } | undefined
    if (options.fetch) fetched = await this.fetch(manifest, options.signal)
    const shards = this.#c.shards
    const self = this
    return {
      cid: root,
      size: manifest.size,
      read: async function * (range: ReadRange & { signal?: AbortSignal } = {}) {
        const got = fetched ?? await self.fetch(manifest, range.signal)
        fetched = undefined
        try {
          yield * await shards.open(manifest, got.sources, range)
        } finally {
          await rm(got.dir, { recursive: true, force: true })
        }
      }
    }
  }

  /** Fetches k verified shards of `manifest` into a scratch folder. */
  async fetch (manifest: Manifest, signal?: AbortSignal): Promise<{ dir: string, sources: Array<ShardSource | undefined> }> {
    const { k } = manifest.erasure
    const locations = (await this.locations(manifest)).sort((a, b) => Number(a.index >= k) - Number(b.index >= k) || a.index - b.index)
    const dir = join(this.#c.tmpDir, `retrieve-${randomBytes(6).toString('hex')}`)
    await mkdir(dir, { recursive: true })
    const good = new Map<number, string>()
    const failures: string[] = []
    const cancel = new AbortController()
    const onAbort = (): void => { cancel.abort(signal?.reason) }
    signal?.addEventListener('abort', onAbort)
    const queue = [...locations]
    const busy = new Set<number>()
    const worker = async (): Promise<void> => {
      for (;;) {
        if (good.size >= k || cancel.signal.aborted) return
        const i = queue.findIndex(l => !good.has(l.index) && !busy.has(l.index))
        if (i < 0) return
        const location = queue.splice(i, 1)[0] as ShardLocation
        busy.add(location.index)
        const path = join(dir, `${location.index}-${randomBytes(4).toString('hex')}`)
        try {
          await this.#fetchOne(location, path, cancel.signal)
          if (good.size < k) good.set(location.index, path)
          if (good.size >= k) cancel.abort(new Error('enough shards'))
        } catch (err) {
          if (!cancel.signal.aborted) {
            failures.push(`shard ${location.index} from ${location.host}: ${(err as Error).message}`)
            this.#c.logger.warn({ shard: location.index, host: location.host, err: (err as Error).message }, 'shard fetch failed; trying another')
          }
          await rm(path, { force: true })
        } finally {
          busy.delete(location.index)
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.min(locations.length, k + this.#c.extra) }, worker))
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    signal?.throwIfAborted()
    if (good.size < k) {
      await rm(dir, { recursive: true, force: true })
      throw new AppError('NOT_ENOUGH_SHARDS', `only ${good.size} verified shards of ${manifest.shards.length} could be fetched from hosts; any ${k} are needed${failures.length > 0 ? ` (${failures.join('; ')})` : ''}`, { details: { intact: good.size, needed: k } })
    }
    const sources: Array<ShardSource | undefined> = manifest.shards.map(() => undefined)
    for (const [index, path] of good) sources[index] = await fileShardSource(path)
    return { dir, sources }
  }

  /** Streams one shard from its host into `path`, checking size and SHA-256 against the CID. */
  async #fetchOne (location: ShardLocation, path: string, signal: AbortSignal): Promise<void> {
    const handle = await open(path, 'w')
    try {
      const hash = createHash('sha256')
      let at = 0
      // Each frame is written before it is acknowledged, so the host never runs more than the
      // credit window ahead of the disk.
      await getShard(this.#c.network, location.host, { contractId: location.contractId, offset: 0, length: location.size }, async frame => {
        hash.update(frame)
        await handle.write(frame, 0, frame.length, at)
        at += frame.length
      }, { signal })
      if (!hash.digest().equals(location.cid.multihash.digest)) throw new AppError('PROTOCOL_ERROR', 'shard bytes do not match the shard CID')
    } finally {
      await handle.close()
    }
  }

  /** Cheap liveness: asks every host whether it still has its shard. */
  async health (manifest: Manifest): Promise<{ reachable: number, total: number, hosts: Array<{ index: number, host: string, ok: boolean }> }> {
    const locations = await this.locations(manifest)
    const checks = await Promise.all(locations.map(async l => {
      try {
        const reply = await hasShard(this.#c.network, l.host, l.contractId, { signal: AbortSignal.timeout(5000) })
        return { index: l.index, host: l.host, ok: reply.has && reply.size === l.size }
      } catch {
        return { index: l.index, host: l.host, ok: false }
      }
    }))
    const reachable = new Set(checks.filter(c => c.ok).map(c => c.index)).size
    return { reachable, total: manifest.shards.length, hosts: checks }
  }
}
