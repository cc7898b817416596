import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import type { Mortice } from 'mortice'
import { CID } from 'multiformats/cid'
import Type, { type Static } from 'typebox'
import { sha256 } from 'multiformats/hashes/sha2'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import { staged, type BlockStore } from '../blocks/index.js'
import type { FilesService } from '../files/files-service.js'
import type { OpenedFile } from '../unixfs/reader.js'
import type { PinStore } from '../pins/pin-store.js'
import { buckets, type Datastore, type Table } from '../store/index.js'
import { newFileSecrets } from './cipher.js'
import { decodeShards, fileShardSource, shardMatches, type ShardSource } from './decoder.js'
import { encodeShards, type ShardSink } from './encoder.js'
import type { ShardHashers } from './hash-workers.js'
import { loadSealingSecret, sealFileKey, unsealFileKey } from './keys.js'
import { decodeManifest, encodeManifest, manifestFormat, manifestParams, manifestVersion, type Manifest } from './manifest.js'
import { checkShardParams, type ShardParams } from './params.js'

/** What the `manifests` bucket keeps per shard set. */
export const ManifestRecordSchema = Type.Object({
  manifest: Type.String({ maxLength: 128 }),
  root: Type.String({ maxLength: 128 }),
  k: Type.Integer({ minimum: 1, maximum: 256 }),
  m: Type.Integer({ minimum: 0, maximum: 255 }),
  created: Type.String({ maxLength: 64 })
})

/** A shard set made of a stored file (bucket `manifests`). */
export type ManifestRecord = Static<typeof ManifestRecordSchema>

export interface ShardComponents {
  files: FilesService
  blocks: BlockStore
  datastore: Datastore
  pins: PinStore
  hashers: ShardHashers
  gcLock: Mortice
  logger: Logger
  /** keystore/files.key */
  sealingSecretPath: string
  /** Shard parameters when a call gives none (config `shards`). */
  defaults: ShardParams
  fsync: boolean
}

/** The result of an encode. */
export interface EncodeResult {
  manifestCid: CID
  manifest: Manifest
}

/**
 * Shards without the network: `encode` turns a stored file into k + m encrypted, erasure-coded
 * shard files in a folder (named by their CIDs) plus its manifest; `decode` rebuilds the file from
 * whatever intact shards a folder holds. The manifest is stored in the blockstore (pinned, so GC
 * keeps it after the file itself is gone) and indexed by the file's root CID.
 */
export class ShardService {
  readonly #c: ShardComponents
  readonly #index: Table<typeof ManifestRecordSchema>
  readonly #log: Logger

  constructor (components: ShardComponents) {
    this.#c = components
    this.#index = components.datastore.table(buckets.manifests, ManifestRecordSchema)
    this.#log = components.logger.child({ component: 'shards' })
  }

  /** Encodes the stored file `root` into shard files in `outDir`; returns its manifest. */
  async encode (root: CID, options: { outDir: string, params?: Partial<ShardParams>, public?: boolean, signal?: AbortSignal }): Promise<EncodeResult> {
    const params = checkShardParams({ ...this.#c.defaults, ...options.params })
    if (!isAbsolute(options.outDir)) throw new AppError('INVALID_PARAMETER', `the output folder must be an absolute path, got "${options.outDir}"`)
    const file = await this.#c.files.open({ cid: root, segments: [] }, options.signal)
    const { key, fileId } = newFileSecrets()
    await mkdir(options.outDir, { recursive: true })
    const tag = randomBytes(6).toString('hex')
    const partial = Array.from({ length: params.k + params.m }, (_, i) => join(options.outDir, `.shard-${tag}-${i}.partial`))
    const handles: FileHandle[] = []
    const started = Date.now()
    try {
      for (const path of partial) handles.push(await open(path, 'wx', 0o644))
      const sinks: ShardSink[] = handles.map(handle => {
        let position = 0
        return {
          write: async bytes => {
            for (let done = 0; done < bytes.length;) done += (await handle.write(bytes, done, bytes.length - done, position + done)).bytesWritten
            position += bytes.length
          }
        }
      })
      const digests = await encodeShards({ source: file.read({ signal: options.signal }), size: file.size, params, key, fileId, hashers: this.#c.hashers, sinks, signal: options.signal })
      for (const handle of handles) { if (this.#c.fsync) await handle.datasync(); await handle.close() }
      handles.length = 0
      const shards = digests.map((d, index) => ({ index, cid: d.cid, size: d.size, merkleRoot: d.merkleRoot }))
      for (const shard of shards) await rename(partial[shard.index] as string, join(options.outDir, shard.cid.toString()))
      const manifest = await this.#manifestOf(root, file.size, params, { key, fileId }, shards, options.public === true)
      const manifestCid = await this.#store(manifest)
      await writeFile(join(options.outDir, manifestCid.toString()), (await encodeManifest(manifest)).bytes)
      const ms = Date.now() - started
      this.#log.info({ root: root.toString(), manifest: manifestCid.toString(), k: params.k, m: params.m, size: file.size, ms }, 'encoded shards')
      return { manifestCid, manifest }
    } catch (err) {
      await Promise.all(handles.map(async h => { await h.close().catch(() => {}) }))
      await Promise.all(partial.map(async p => { await unlink(p).catch(() => {}) }))
      throw err
    }
  }

  /**
   * Computes the shards of the stored file `root` without writing them (CIDs and Merkle roots
   * only) and stores its manifest: the first step of an upload, whose contracts need every
   * shard's CID and root before the first byte is sent.
   */
  async prepare (root: CID, options: { params?: Partial<ShardParams>, public?: boolean, signal?: AbortSignal } = {}): Promise<EncodeResult> {
    const params = checkShardParams({ ...this.#c.defaults, ...options.params })
    const file = await this.#c.files.open({ cid: root, segments: [] }, options.signal)
    const secrets = newFileSecrets()
    const digests = await encodeShards({ source: file.read({ signal: options.signal }), size: file.size, params, ...secrets, hashers: this.#c.hashers, signal: options.signal })
    const shards = digests.map((d, index) => ({ index, cid: d.cid, size: d.size, merkleRoot: d.merkleRoot }))
    const manifest = await this.#manifestOf(root, file.size, params, secrets, shards, options.public === true)
    return { manifestCid: await this.#store(manifest), manifest }
  }

  /**
   * Encodes the manifest's file again (same key and file id, so the same bytes: AES-GCM with
   * counter nonces is deterministic) and hands shard i to `sinks[i]`; shards without a sink are
   * computed and dropped. Reads the file from the local store, or from `from` (the file rebuilt
   * from hosts, for a repair). Hashing is skipped: the manifest already has the digests and the
   * receiving host checks them.
   */
  async stream (manifest: Manifest, sinks: Array<ShardSink | undefined>, signal?: AbortSignal, from?: OpenedFile): Promise<void> {
    const key = await this.fileKey(manifest)
    const file = from ?? await this.#c.files.open({ cid: manifest.root, segments: [] }, signal)
    const drop: ShardSink = { write: async () => {} }
    await encodeShards({
      source: file.read({ signal }), size: file.size, params: manifestParams(manifest), key, fileId: manifest.cipher.fileId,
      sinks: manifest.shards.map((_, i) => sinks[i] ?? drop), signal
    })
  }

  /**
   * Rebuilds the file of `manifestCid` from the shard files in `fromDir`: shards are checked
   * against their CIDs (data shards first) until k intact ones are found; a damaged or missing one
   * is simply not used. Returns the manifest and the plaintext stream.
   */
  async decode (manifestCid: CID, options: { fromDir: string, offset?: number, length?: number, signal?: AbortSignal }): Promise<{ manifest: Manifest, stream: AsyncGenerator<Uint8Array> }> {
    const manifest = await this.manifest(manifestCid, options.fromDir)
    const key = await this.fileKey(manifest)
    const { k } = manifest.erasure
    const sources: Array<ShardSource | undefined> = manifest.shards.map(() => undefined)
    let good = 0
    for (const shard of manifest.shards) {
      if (good === k) break
      const source = await fileShardSource(join(options.fromDir, shard.cid.toString())).catch(() => undefined)
      if (source === undefined) continue
      if (await shardMatches(source, shard.size, shard.cid.multihash.digest)) {
        sources[shard.index] = source
        good++
      } else {
        this.#log.warn({ shard: shard.index, cid: shard.cid.toString() }, 'shard does not match its CID: not used')
        await source.close?.()
      }
    }
    if (good < k) {
      await Promise.all(sources.map(async s => { await s?.close?.() }))
      throw new AppError('NOT_ENOUGH_SHARDS', `only ${good} intact shards of ${manifest.shards.length} in ${options.fromDir}; any ${k} are needed`, { details: { intact: good, needed: k } })
    }
    return { manifest, stream: decodeVerified(manifest, key, sources, options) }
  }

  /**
   * The plaintext of `manifest` from `sources` already checked against their CIDs (at least k);
   * every source is closed when the stream ends, fails or is abandoned.
   */
  async open (manifest: Manifest, sources: Array<ShardSource | undefined>, options: { offset?: number, length?: number, signal?: AbortSignal } = {}): Promise<AsyncGenerator<Uint8Array>> {
    const key = await this.fileKey(manifest).catch(async err => { await Promise.all(sources.map(async s => { await s?.close?.() })); throw err })
    return decodeVerified(manifest, key, sources, options)
  }

  /** The newest manifest made of `root`, or undefined. */
  async latest (root: CID): Promise<{ cid: CID, manifest: Manifest } | undefined> {
    const records = await this.list(root)
    const last = records[records.length - 1]
    if (last === undefined) return undefined
    const cid = CID.parse(last.manifest)
    return { cid, manifest: await this.manifest(cid) }
  }

  /** The manifest `cid`, from the blockstore or else from `dir` (checked against its CID). */
  async manifest (cid: CID, dir?: string): Promise<Manifest> {
    let bytes: Uint8Array | undefined = await this.#c.blocks.get(cid).catch(() => undefined)
    if (bytes === undefined && dir !== undefined) {
      const found = await readFile(join(dir, cid.toString())).catch(() => undefined)
      if (found !== undefined && Buffer.from((await sha256.digest(found)).digest).equals(Buffer.from(cid.multihash.digest))) bytes = found
    }
    if (bytes === undefined) throw new AppError('BLOCK_NOT_FOUND', `manifest ${cid.toString()} is neither in the local store nor in ${dir ?? 'the shard folder'}`)
    return decodeManifest(bytes)
  }

  /** Shard sets made of `root` (or of every file), newest last. */
  async list (root?: CID): Promise<ManifestRecord[]> {
    const prefix = root === undefined ? '' : `${root.toString()}/`
    const out: ManifestRecord[] = []
    for await (const record of this.#index.values({ gte: prefix, lt: prefix + '\xff' })) out.push(record)
    return out.sort((a, b) => a.created.localeCompare(b.created))
  }

  /** The file key of `manifest`: in clear, or unsealed with this repo's secret. */
  async fileKey (manifest: Manifest): Promise<Uint8Array> {
    const key = manifest.cipher.key
    if ('clear' in key) return key.clear
    return unsealFileKey(await loadSealingSecret(this.#c.sealingSecretPath), key.sealed, manifest.cipher.fileId, manifest.root.bytes)
  }

  async #manifestOf (root: CID, size: number, params: ShardParams, secrets: { key: Uint8Array, fileId: Uint8Array }, shards: Manifest['shards'], isPublic: boolean): Promise<Manifest> {
    const { key, fileId } = secrets
    const sealed = isPublic ? { clear: key } : { sealed: sealFileKey(await loadSealingSecret(this.#c.sealingSecretPath), key, fileId, root.bytes) }
    return {
      format: manifestFormat,
      version: manifestVersion,
      root,
      size,
      cipher: { name: 'aes-256-gcm', fileId, key: sealed },
      erasure: { name: 'reed-solomon-gf256', k: params.k, m: params.m, segmentSize: params.segmentSize },
      merkle: { name: 'sha2-256-rfc6962', leafSize: params.leafSize },
      shards
    }
  }

  /** Stores the manifest block, pins it (direct) and indexes it, in one atomic commit. */
  async #store (manifest: Manifest): Promise<CID> {
    const { cid, bytes } = await encodeManifest(manifest)
    const record: ManifestRecord = { manifest: cid.toString(), root: manifest.root.toString(), k: manifest.erasure.k, m: manifest.erasure.m, created: new Date().toISOString() }
    return await staged(this.#c.blocks, this.#c.gcLock, async writer => {
      await writer.put(cid, bytes)
      return {
        result: cid,
        ops: [
          this.#c.pins.putOp(cid, { type: 'direct', name: `shards of ${record.root}`, created: record.created }),
          this.#index.putOp(`${record.root}/${record.manifest}`, record)
        ]
      }
    })
  }
}

async function * decodeVerified (manifest: Manifest, key: Uint8Array, sources: Array<ShardSource | undefined>, options: { offset?: number, length?: number, signal?: AbortSignal }): AsyncGenerator<Uint8Array> {
  try {
    yield * decodeShards({ manifest, key, sources, offset: options.offset, length: options.length, signal: options.signal })
  } finally {
    await Promise.all(sources.map(async s => { await s?.close?.() }))
  }
}
