import type { LsResult } from '../files/files-service.js'
import type { ListedPin, PinListType } from '../pins/pin-service.js'
import type { ManifestRecord } from '../shards/service.js'
import type { ManifestView } from '../shards/view.js'

/** Options of `Core.add` (unset ones take the node's defaults). */
export interface CoreAddOptions {
  cidVersion?: 0 | 1
  rawLeaves?: boolean
  chunker?: string
  pin?: boolean
  name?: string
  onProgress?: (bytes: number) => void
}

/** Options of `Core.shardsEncode` (unset ones take config `shards.*`). */
export interface ShardEncodeOptions {
  outDir: string
  k?: number
  m?: number
  segmentSize?: number
  leafSize?: number
  public?: boolean
}

/** Identity of a node, as `btfs-ts id` prints it. */
export interface CoreId {
  id: string
  publicKey: string
  addresses: string[]
  agentVersion: string
}

/**
 * What the CLI needs from a node. Two implementations: `HttpCore` talks to a running daemon's
 * API; `LocalCore` opens the repo in-process when no daemon runs (as kubo's CLI does).
 */
export interface Core {
  readonly mode: 'api' | 'local'
  add: (source: AsyncIterable<Uint8Array>, options: CoreAddOptions) => Promise<{ cid: string, size: number, name?: string }>
  cat: (cid: string, range?: { offset?: number, length?: number }) => Promise<AsyncIterable<Uint8Array>>
  ls: (cid: string) => Promise<LsResult>
  pinAdd: (cid: string, options: { recursive?: boolean, name?: string }) => Promise<ListedPin>
  pinRm: (cid: string) => Promise<void>
  pinLs: (type?: PinListType) => Promise<ListedPin[]>
  gc: () => Promise<{ removed: string[], freedBytes: number }>
  shardsEncode: (cid: string, options: ShardEncodeOptions) => Promise<ManifestView>
  shardsDecode: (manifest: string, fromDir: string) => Promise<AsyncIterable<Uint8Array>>
  shardsList: (root?: string) => Promise<ManifestRecord[]>
  id: () => Promise<CoreId>
  version: () => Promise<Record<string, unknown>>
  /** A networked route of the daemon's API (JSON in and out); NETWORK_OFFLINE without a daemon. */
  online: <T>(method: 'GET' | 'POST' | 'PUT', path: string, options?: { query?: Record<string, string | number | boolean | undefined>, json?: unknown }) => Promise<T>
  close: () => Promise<void>
}
