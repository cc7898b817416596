import type { Mortice } from 'mortice'
import type { CID } from 'multiformats/cid'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import type { BlockStore } from '../blocks/index.js'
import type { FileStore } from '../files/file-store.js'
import type { Datastore, BatchOp } from '../store/index.js'
import { multihashKey } from '../unixfs/codecs.js'
import { walkDag } from '../unixfs/dag-walk.js'
import { parseCid } from '../unixfs/ipfs-path.js'
import type { Pin, PinStore, PinType } from './pin-store.js'

/** A pin as `ls` reports it: stored pins plus derived indirect ones. */
export interface ListedPin {
  cid: string
  type: PinType | 'indirect'
  name?: string
}

/** Which pins `ls` lists. */
export type PinListType = 'all' | 'stored' | ListedPin['type']

function matches (wanted: PinListType, type: ListedPin['type']): boolean {
  return wanted === 'all' || wanted === type || (wanted === 'stored' && type !== 'indirect')
}

/** What a GC run removed. */
export interface GcResult {
  removed: CID[]
  freedBytes: number
}

export interface PinComponents {
  blocks: BlockStore
  datastore: Datastore
  pins: PinStore
  files: FileStore
  gcLock: Mortice
  logger: Logger
}

/**
 * Pins and garbage collection with kubo's semantics: a recursive pin keeps a whole DAG, a direct
 * pin one block, everything else goes at the next GC. GC is mark-and-sweep under the exclusive
 * GC lock: it waits for running adds and pins to finish and holds new ones until it is done.
 */
export class PinService {
  readonly #c: PinComponents
  readonly #log: Logger

  constructor (components: PinComponents) {
    this.#c = components
    this.#log = components.logger.child({ component: 'pins' })
  }

  /** Pins `cid`; a recursive pin first checks that the whole DAG is stored locally. */
  async add (cid: CID, options: { recursive?: boolean, name?: string, signal?: AbortSignal } = {}): Promise<Pin> {
    const type: PinType = options.recursive === false ? 'direct' : 'recursive'
    const release = await this.#c.gcLock.readLock()
    try {
      const existing = await this.#c.pins.get(cid)
      if (existing?.type === 'recursive' && type === 'direct') {
        throw new AppError('PIN_CONFLICT', `${cid.toString()} is already pinned recursively`)
      }
      if (type === 'recursive') {
        for await (const _ of walkDag(this.#c.blocks, cid, { requireComplete: true, signal: options.signal })) { /* presence check */ }
      } else if (!await this.#c.blocks.has(cid)) {
        throw new AppError('BLOCK_NOT_FOUND', `block ${cid.toString()} is not in the local store`, { details: { cid: cid.toString() } })
      }
      const name = options.name ?? existing?.name
      const record = { type, ...(name !== undefined ? { name } : {}), created: existing?.created ?? new Date().toISOString() }
      await this.#c.pins.put(cid, record)
      return { cid: cid.toString(), ...record }
    } finally {
      release()
    }
  }

  /** Removes a pin. `recursive: false` removes only a direct pin, as in kubo. */
  async rm (cid: CID, options: { recursive?: boolean } = {}): Promise<void> {
    const existing = await this.#c.pins.get(cid)
    if (existing === undefined) throw new AppError('NOT_PINNED', `${cid.toString()} is not pinned (or only indirectly)`, { details: { cid: cid.toString() } })
    if (existing.type === 'recursive' && options.recursive === false) {
      throw new AppError('PIN_CONFLICT', `${cid.toString()} is pinned recursively; remove it with recursive=true`)
    }
    await this.#c.pins.delete(cid)
  }

  /**
   * Lists pins of `type`: `all` (kubo's default: stored and indirect), one pin type, or
   * `stored` (recursive and direct, no DAG walk). With `cids`, reports how each is pinned and
   * fails with NOT_PINNED for one that is not.
   */
  async * ls (options: { type?: PinListType, cids?: CID[], signal?: AbortSignal } = {}): AsyncGenerator<ListedPin> {
    const type = options.type ?? 'all'
    if (options.cids !== undefined) {
      for (const cid of options.cids) {
        const pin = await this.#how(cid, options.signal)
        if (pin === undefined || !matches(type, pin.type)) throw new AppError('NOT_PINNED', `${cid.toString()} is not pinned${type === 'all' ? '' : ' ' + type}`)
        yield pin
      }
      return
    }
    const stored: Pin[] = []
    for await (const pin of this.#c.pins.list()) stored.push(pin)
    for (const pin of stored) {
      if (matches(type, pin.type)) yield { cid: pin.cid, type: pin.type, ...(pin.name !== undefined ? { name: pin.name } : {}) }
    }
    if (type !== 'all' && type !== 'indirect') return
    const roots = new Set(stored.map(p => multihashKey(parseCid(p.cid).multihash.bytes)))
    const seen = new Set<string>()
    for (const pin of stored.filter(p => p.type === 'recursive')) {
      for await (const cid of walkDag(this.#c.blocks, parseCid(pin.cid), { signal: options.signal })) {
        const key = multihashKey(cid.multihash.bytes)
        if (roots.has(key) || seen.has(key)) continue
        seen.add(key)
        yield { cid: cid.toString(), type: 'indirect' }
      }
    }
  }

  /**
   * Removes every block no pin reaches, and the file records of removed roots. Returns what was
   * removed. Blocks of a pinned DAG that are missing are logged, not fatal.
   */
  async gc (options: { signal?: AbortSignal } = {}): Promise<GcResult> {
    const release = await this.#c.gcLock.writeLock()
    const started = Date.now()
    try {
      const live = new Set<string>()
      for await (const pin of this.#c.pins.list()) {
        const root = parseCid(pin.cid)
        if (pin.type === 'direct') { live.add(multihashKey(root.multihash.bytes)); continue }
        const onMissing = (cid: CID): void => { this.#log.warn({ pin: pin.cid, cid: cid.toString() }, 'pinned DAG is missing a block') }
        for await (const cid of walkDag(this.#c.blocks, root, { signal: options.signal, onMissing })) live.add(multihashKey(cid.multihash.bytes))
      }
      const swept = await this.#c.blocks.sweep(mh => live.has(multihashKey(mh)), options)
      const ops: BatchOp[] = []
      for await (const key of this.#c.files.keys()) {
        let root: CID | undefined
        try { root = parseCid(key) } catch {} // a key that is no CID is a corrupt record: it goes too
        if (root === undefined || !live.has(multihashKey(root.multihash.bytes))) ops.push(this.#c.files.deleteOp(key))
      }
      await this.#c.datastore.batch(ops, true)
      this.#log.info({ removedBlocks: swept.removedBlocks, freedBytes: swept.freedBytes, ms: Date.now() - started }, 'garbage collected')
      return { removed: swept.removed, freedBytes: swept.freedBytes }
    } finally {
      release()
    }
  }

  async #how (cid: CID, signal?: AbortSignal): Promise<ListedPin | undefined> {
    const direct = await this.#c.pins.get(cid)
    if (direct !== undefined) return { cid: cid.toString(), type: direct.type, ...(direct.name !== undefined ? { name: direct.name } : {}) }
    const key = multihashKey(cid.multihash.bytes)
    for await (const pin of this.#c.pins.list()) {
      if (pin.type !== 'recursive') continue
      for await (const child of walkDag(this.#c.blocks, parseCid(pin.cid), { signal })) {
        if (multihashKey(child.multihash.bytes) === key) return { cid: cid.toString(), type: 'indirect' }
      }
    }
    return undefined
  }
}
