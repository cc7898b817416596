import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import type { ContractRecord } from '../contracts/store.js'
import { AppError } from '../errors/index.js'
import type { FilesService } from '../files/files-service.js'
import type { Logger } from '../logger.js'
import type { Manifest } from '../shards/manifest.js'
import type { ShardService } from '../shards/service.js'
import type { OpenedFile } from '../unixfs/reader.js'
import type { ShardPlacer } from './placer.js'
import type { Renewer } from './renewal.js'
import { beginRepair, excludedBy, failRepair, finishRepair, repairSource } from './repair-run.js'
import type { RepairRecord, SessionStore, UploadSession, UploadState } from './sessions.js'

export type { RenewalFailure, RepairRecord, ShardState, ShardStatus, UploadSession, UploadState } from './sessions.js'

export interface UploadRequest {
  root: CID
  k?: number
  m?: number
  duration?: number
  maxPrice?: bigint
}

export interface UploadComponents {
  sessions: SessionStore
  placer: ShardPlacer
  renewer: () => Renewer
  shards: ShardService
  files: FilesService
  /** The file of `manifest` rebuilt from k shards on hosts (repairs when the local copy is gone). */
  fromHosts: (manifest: Manifest, signal: AbortSignal) => Promise<OpenedFile>
  logger: Logger
  defaults: { k: number, m: number, duration: number, maxPrice: string }
}

/**
 * The renter's uploads: prepare the manifest (every shard's CID and Merkle root), then let the
 * placer contract hosts and stream the shards. Sessions are persisted at every step, so a
 * restarted renter resumes where it stopped. Repairs run on complete sessions through the same
 * placer: the lost shards are rebuilt (from the local copy, or from k shards on hosts: same key
 * and file id, so the same CIDs and Merkle roots) and stored on hosts that did not lose them.
 * One session runs one thing at a time; every run stops with the service.
 */
export class UploadService {
  readonly #c: UploadComponents
  readonly #live = new Map<string, UploadSession>()
  readonly #running = new Map<string, Promise<void>>()
  readonly #abort = new AbortController()

  constructor (components: UploadComponents) {
    this.#c = components
  }

  /** Resumes every unfinished session (and repair). */
  async start (): Promise<void> {
    for await (const session of this.#c.sessions.list()) {
      if (session.state === 'complete' || session.state === 'failed') continue
      const repair = session.state === 'repairing' ? session.repairs?.find(r => r.finished === undefined) : undefined
      this.#c.logger.info({ upload: session.id, root: session.root, repair: repair !== undefined }, 'resuming upload')
      this.#launch(session, repair)
    }
  }

  /** Aborts every run (each leaves its session as it was, to resume) and waits for them. */
  async stop (): Promise<void> {
    this.#abort.abort(new AppError('SHUTTING_DOWN'))
    await Promise.allSettled(this.#running.values())
  }

  /** True while an upload or repair of session `id` runs. */
  busy (id: string): boolean {
    return this.#running.has(id)
  }

  /** Starts uploading `root` (which must be in the local store); returns the session id. */
  async upload (request: UploadRequest): Promise<string> {
    const d = this.#c.defaults
    const k = request.k ?? d.k
    const m = request.m ?? d.m
    const duration = request.duration ?? d.duration
    if (!Number.isInteger(duration) || duration < 1) throw new AppError('INVALID_PARAMETER', 'duration must be a whole number of days ≥ 1')
    await this.#c.files.open({ cid: request.root, segments: [] }) // a CID that is not a local file fails the request, not the session
    const now = Date.now()
    const session: UploadSession = {
      id: randomBytes(8).toString('hex'),
      root: request.root.toString(),
      k,
      m,
      duration,
      maxPrice: (request.maxPrice ?? BigInt(d.maxPrice)).toString(),
      state: 'preparing',
      shards: [],
      notes: [],
      created: now,
      updated: now
    }
    await this.#c.sessions.save(session)
    this.#launch(session)
    return session.id
  }

  /**
   * Rebuilds the shards `lost` of the complete session `id` and stores them on new hosts (never
   * the ones that lost them). The repair is recorded in the session. Returns false when the
   * session is busy or not complete.
   */
  async repair (id: string, lost: RepairRecord['lost'], lostAt: number): Promise<boolean> {
    if (this.#running.has(id) || this.#abort.signal.aborted) return false
    const session = await this.#c.sessions.get(id)
    if (session?.state !== 'complete') return false
    const repair = beginRepair(session, lost, lostAt)
    await this.#c.sessions.save(session)
    this.#c.logger.warn({ upload: id, root: session.root, shards: lost.map(l => l.index) }, 'repairing lost shards')
    this.#launch(session, repair)
    return true
  }

  /** Renews a stored contract with its host (see Renewer). */
  async renew (old: ContractRecord): Promise<ContractRecord | undefined> {
    return await this.#c.renewer().renew(old)
  }

  /** A session with live byte counts; NOT_FOUND when unknown. */
  async get (id: string): Promise<UploadSession> {
    const live = this.#live.get(id)
    if (live !== undefined) return structuredClone(live)
    const stored = await this.#c.sessions.get(id)
    if (stored === undefined) throw new AppError('NOT_FOUND', `no upload ${id}`)
    return stored
  }

  async list (): Promise<UploadSession[]> {
    const out: UploadSession[] = []
    for await (const session of this.#c.sessions.list()) out.push(this.#live.get(session.id) ?? session)
    return out.sort((a, b) => a.created - b.created)
  }

  /** Resolves when the session ends (tests and `add?upload=true&wait=true`). */
  async wait (id: string): Promise<UploadSession> {
    await this.#running.get(id)
    return await this.get(id)
  }

  #launch (session: UploadSession, repair?: RepairRecord): void {
    this.#live.set(session.id, session)
    const run = this.#run(session, repair)
      .catch(async (err: Error) => {
        if (this.#abort.signal.aborted) return
        if (repair !== undefined) {
          failRepair(session, repair, err)
          this.#c.logger.warn({ upload: session.id, err: err.message }, 'repair failed; it is tried again at the next check')
        } else {
          session.state = 'failed'
          session.error = err.message.slice(0, 2000)
          this.#c.logger.warn({ upload: session.id, err: err.message }, 'upload failed')
        }
        await this.#c.sessions.save(session)
      })
      .finally(() => { this.#running.delete(session.id); this.#live.delete(session.id) })
    this.#running.set(session.id, run)
  }

  async #run (session: UploadSession, repair?: RepairRecord): Promise<void> {
    const signal = this.#abort.signal
    let manifest: Manifest
    if (session.manifest === undefined) {
      const prepared = await this.#c.shards.prepare(CID.parse(session.root), { params: { k: session.k, m: session.m }, signal })
      manifest = prepared.manifest
      session.manifest = prepared.manifestCid.toString()
      session.shards = manifest.shards.map(s => ({ index: s.index, cid: s.cid.toString(), size: s.size, state: 'pending', bytesSent: 0, attempts: 0 }))
      session.state = 'contracting'
      await this.#c.sessions.save(session)
    } else {
      manifest = await this.#c.shards.manifest(CID.parse(session.manifest))
      for (const s of session.shards) if (s.state === 'sending') s.state = 'contracted'
    }
    await this.#c.placer.place(session, manifest, {
      excluded: excludedBy(repair), // a repair never goes back to the hosts that lost the shards
      signal,
      onPhase: phase => { session.state = repair !== undefined ? 'repairing' : phase as UploadState },
      ...(repair !== undefined ? { source: async () => await repairSource(repair, this.#c.files, this.#c.fromHosts, manifest, signal) } : {})
    })
    session.state = 'complete'
    if (repair !== undefined) {
      finishRepair(session, repair)
      this.#c.logger.warn({ upload: session.id, root: session.root, shards: repair.lost.map(l => l.index), source: repair.source, repairMs: repair.ms, timeToRepairMs: repair.timeToRepairMs }, 'repair complete')
    } else {
      this.#c.logger.info({ upload: session.id, root: session.root, shards: session.shards.length }, 'upload complete')
    }
    await this.#c.sessions.save(session)
  }
}
