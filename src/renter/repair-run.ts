import { AppError } from '../errors/index.js'
import type { FilesService } from '../files/files-service.js'
import type { Manifest } from '../shards/manifest.js'
import type { OpenedFile } from '../unixfs/reader.js'
import type { RepairRecord, UploadSession } from './sessions.js'

/**
 * The execution of a repair on a complete session, in three steps the UploadService runs:
 * `beginRepair` puts the lost shards back to pending and records the repair in the session;
 * the placer then stores them on hosts (never the ones that lost them), reading the file from
 * `repairSource`; `finishRepair` or `failRepair` closes the record. The rebuilt shards have the
 * same CIDs and Merkle roots: the file is encoded again with the same key and file id.
 */

/** Marks `lost` pending again and appends a repair record (the last 20 are kept); the session is then `repairing`. */
export function beginRepair (session: UploadSession, lost: RepairRecord['lost'], lostAt: number, now = Date.now()): RepairRecord {
  for (const { index } of lost) {
    const shard = session.shards[index]
    if (shard === undefined) throw new AppError('INTERNAL', `session ${session.id} has no shard ${index}`)
    Object.assign(shard, { state: 'pending', attempts: 0, bytesSent: 0, error: undefined })
  }
  const repair: RepairRecord = { started: now, lostAt, lost, hosts: [] }
  session.repairs = [...(session.repairs ?? []).slice(-19), repair]
  session.state = 'repairing'
  return repair
}

/** The hosts a repair must not use: those that lost the shards. */
export function excludedBy (repair: RepairRecord | undefined): Set<string> {
  return new Set<string>(repair?.lost.flatMap(l => l.host ?? []) ?? [])
}

/**
 * Where the repair reads the file: undefined when it is in the local store (read from there),
 * else the file rebuilt from k shards on the hosts that still hold theirs. Records which.
 */
export async function repairSource (repair: RepairRecord, files: FilesService, fromHosts: (manifest: Manifest, signal: AbortSignal) => Promise<OpenedFile>, manifest: Manifest, signal: AbortSignal): Promise<OpenedFile | undefined> {
  let from: OpenedFile | undefined
  try {
    await files.open({ cid: manifest.root, segments: [] }, signal)
  } catch (err) {
    if (signal.aborted) throw err
    from = await fromHosts(manifest, signal)
  }
  repair.source = from === undefined ? 'local' : 'hosts'
  return from
}

/** Closes a repair that stored every lost shard: its hosts, how long it took, how long the file was short. */
export function finishRepair (session: UploadSession, repair: RepairRecord, now = Date.now()): void {
  Object.assign(repair, { finished: now, ok: true, ms: now - repair.started, timeToRepairMs: now - repair.lostAt, hosts: repair.lost.map(l => session.shards[l.index]?.host ?? '') })
  session.state = 'complete'
}

/** Closes a repair that failed: the file stays stored with fewer shards, and the repair service tries again later. */
export function failRepair (session: UploadSession, repair: RepairRecord, err: Error, now = Date.now()): void {
  Object.assign(repair, { finished: now, ok: false, error: err.message.slice(0, 2000) })
  session.state = 'complete'
}
