import { AppError } from '../errors/index.js'
import type { LsResult } from '../files/files-service.js'
import type { BtfsNode } from '../node.js'
import { nodeIdentity, versionInfo } from '../node-info.js'
import type { ListedPin, PinListType } from '../pins/pin-service.js'
import { parseCid, parseIpfsPath } from '../unixfs/ipfs-path.js'
import { resolveImportParams } from '../unixfs/params.js'
import type { Core, CoreAddOptions, CoreId, ShardEncodeOptions } from './core.js'
import type { ManifestRecord } from '../shards/service.js'
import { manifestView, type ManifestView } from '../shards/view.js'

/** A Core on an in-process node (the CLI's mode when no daemon runs on the repo). */
export class LocalCore implements Core {
  readonly mode = 'local' as const
  readonly #node: BtfsNode

  constructor (node: BtfsNode) {
    this.#node = node
  }

  async add (source: AsyncIterable<Uint8Array>, options: CoreAddOptions): Promise<{ cid: string, size: number, name?: string }> {
    const params = resolveImportParams(options, this.#node.config.add)
    const result = await this.#node.files.add(source, {
      params,
      pin: options.pin ?? this.#node.config.add.pin,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {})
    })
    return { cid: result.cid.toString(), size: result.size, ...(result.name !== undefined ? { name: result.name } : {}) }
  }

  async cat (cid: string, range: { offset?: number, length?: number } = {}): Promise<AsyncIterable<Uint8Array>> {
    const file = await this.#node.files.open(parseIpfsPath(cid))
    return file.read(range)
  }

  async ls (cid: string): Promise<LsResult> {
    return await this.#node.files.ls(parseIpfsPath(cid))
  }

  async pinAdd (cid: string, options: { recursive?: boolean, name?: string }): Promise<ListedPin> {
    const pin = await this.#node.pins.add(parseCid(cid), options)
    return { cid: pin.cid, type: pin.type, ...(pin.name !== undefined ? { name: pin.name } : {}) }
  }

  async pinRm (cid: string): Promise<void> {
    await this.#node.pins.rm(parseCid(cid))
  }

  async pinLs (type?: PinListType): Promise<ListedPin[]> {
    const pins: ListedPin[] = []
    for await (const pin of this.#node.pins.ls({ type: type ?? 'stored' })) pins.push(pin)
    return pins
  }

  async gc (): Promise<{ removed: string[], freedBytes: number }> {
    const result = await this.#node.pins.gc()
    return { removed: result.removed.map(c => c.toString()), freedBytes: result.freedBytes }
  }

  async shardsEncode (cid: string, options: ShardEncodeOptions): Promise<ManifestView> {
    const params = {
      ...(options.k !== undefined ? { k: options.k } : {}),
      ...(options.m !== undefined ? { m: options.m } : {}),
      ...(options.segmentSize !== undefined ? { segmentSize: options.segmentSize } : {}),
      ...(options.leafSize !== undefined ? { leafSize: options.leafSize } : {})
    }
    const result = await this.#node.shards.encode(parseCid(cid), { outDir: options.outDir, params, public: options.public === true })
    return manifestView(result.manifestCid.toString(), result.manifest)
  }

  async shardsDecode (manifest: string, fromDir: string): Promise<AsyncIterable<Uint8Array>> {
    return (await this.#node.shards.decode(parseCid(manifest), { fromDir })).stream
  }

  async shardsList (root?: string): Promise<ManifestRecord[]> {
    return await this.#node.shards.list(root === undefined ? undefined : parseCid(root))
  }

  async id (): Promise<CoreId> {
    return nodeIdentity(this.#node.repo.identity, [])
  }

  async version (): Promise<Record<string, unknown>> {
    return { ...versionInfo() }
  }

  async online<T> (): Promise<T> {
    throw new AppError('NETWORK_OFFLINE', 'this command needs the running daemon: start it with "btfs-ts daemon"')
  }

  async close (): Promise<void> {
    await this.#node.stop()
  }
}
