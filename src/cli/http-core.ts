import { Readable } from 'node:stream'
import { AppError, type ErrorCode, errorRegistry } from '../errors/index.js'
import type { LsResult } from '../files/files-service.js'
import type { ListedPin, PinListType } from '../pins/pin-service.js'
import type { Core, CoreAddOptions, CoreId, ShardEncodeOptions } from './core.js'
import type { ManifestRecord } from '../shards/service.js'
import type { ManifestView } from '../shards/view.js'

/**
 * A Core that talks to a running daemon over its HTTP API, sending `credential` (api.token or
 * the daemon's API cookie) as a bearer token when there is one.
 */
export class HttpCore implements Core {
  readonly mode = 'api' as const
  readonly #base: string
  readonly #headers: Record<string, string>

  constructor (baseUrl: string, credential = '') {
    this.#base = baseUrl.replace(/\/+$/, '')
    this.#headers = credential !== '' ? { authorization: `Bearer ${credential}` } : {}
  }

  async #request (method: string, path: string, init: { body?: ReadableStream<Uint8Array>, json?: unknown, query?: Record<string, string | number | boolean | undefined> } = {}): Promise<Response> {
    const url = new URL(this.#base + path)
    for (const [key, value] of Object.entries(init.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value))
    let response: Response
    try {
      response = await fetch(url, {
        method,
        headers: { ...this.#headers, ...(init.body !== undefined ? { 'content-type': 'application/octet-stream' } : {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(init.body !== undefined ? { body: init.body, duplex: 'half' } : {}),
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {})
      } as RequestInit)
    } catch (err) {
      throw new AppError('INTERNAL', `cannot reach the daemon at ${this.#base}: ${(err as Error).cause !== undefined ? String((err as Error).cause) : (err as Error).message}`)
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({})) as { code?: string, message?: string }
      const code = (body.code !== undefined && body.code in errorRegistry ? body.code : 'INTERNAL') as ErrorCode
      throw new AppError(code, body.message ?? `${response.status} ${response.statusText}`)
    }
    return response
  }

  async #json<T> (method: string, path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    return await (await this.#request(method, path, query !== undefined ? { query } : {})).json() as T
  }

  async add (source: AsyncIterable<Uint8Array>, options: CoreAddOptions): Promise<{ cid: string, size: number, name?: string }> {
    let sent = 0
    const counted = Readable.from((async function * () {
      for await (const chunk of source) {
        sent += chunk.byteLength
        options.onProgress?.(sent)
        yield chunk
      }
    })())
    const response = await this.#request('POST', '/add', {
      body: Readable.toWeb(counted) as ReadableStream<Uint8Array>,
      query: { 'cid-version': options.cidVersion, 'raw-leaves': options.rawLeaves, chunker: options.chunker, pin: options.pin, name: options.name }
    })
    return await response.json() as { cid: string, size: number, name?: string }
  }

  async cat (cid: string, range: { offset?: number, length?: number } = {}): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.#request('GET', `/cat/${encodeURIComponent(cid)}`, { query: range })
    if (response.body === null) return (async function * () {})()
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
  }

  async ls (cid: string): Promise<LsResult> {
    return await this.#json('GET', `/ls/${encodeURIComponent(cid)}`)
  }

  async pinAdd (cid: string, options: { recursive?: boolean, name?: string }): Promise<ListedPin> {
    return await this.#json('POST', `/pin/${encodeURIComponent(cid)}`, { recursive: options.recursive, name: options.name })
  }

  async pinRm (cid: string): Promise<void> {
    await this.#request('DELETE', `/pin/${encodeURIComponent(cid)}`)
  }

  async pinLs (type?: PinListType): Promise<ListedPin[]> {
    return (await this.#json<{ pins: ListedPin[] }>('GET', '/pins', { type })).pins
  }

  async gc (): Promise<{ removed: string[], freedBytes: number }> {
    return await this.#json('POST', '/repo/gc')
  }

  async shardsEncode (cid: string, options: ShardEncodeOptions): Promise<ManifestView> {
    return await this.#json('POST', '/shards/encode', {
      cid, out: options.outDir, k: options.k, m: options.m, 'segment-size': options.segmentSize, 'leaf-size': options.leafSize, public: options.public
    })
  }

  async shardsDecode (manifest: string, fromDir: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.#request('POST', '/shards/decode', { query: { manifest, from: fromDir } })
    if (response.body === null) return (async function * () {})()
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
  }

  async shardsList (root?: string): Promise<ManifestRecord[]> {
    return (await this.#json<{ manifests: ManifestRecord[] }>('GET', '/shards', { root })).manifests
  }

  async id (): Promise<CoreId> {
    return await this.#json('GET', '/id')
  }

  async version (): Promise<Record<string, unknown>> {
    return await this.#json('GET', '/version')
  }

  async online<T> (method: 'GET' | 'POST' | 'PUT', path: string, options: { query?: Record<string, string | number | boolean | undefined>, json?: unknown } = {}): Promise<T> {
    return await (await this.#request(method, path, options)).json() as T
  }

  async close (): Promise<void> {}
}
