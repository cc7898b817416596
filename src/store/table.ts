import type { Static, TSchema } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'
import type { Logger } from '../logger.js'
import '../validation/formats.js'
import type { BatchOp, Bucket, Datastore } from './datastore.js'
import type { BucketName } from './keys.js'

/** A key range of a table (LevelDB's: gt/gte/lt/lte on keys, reverse, limit). */
export interface Range {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  reverse?: boolean
  limit?: number
}

/** Keys of corrupt records already reported, per bucket (each is logged once per process). */
const reported = new Set<string>()

/**
 * A typed repository over one bucket: values are JSON, and every value read is parsed and
 * checked against the bucket's schema. A record that is not valid JSON or not of the schema's
 * shape (disk damage, a bug of an older version, a value a peer once smuggled in) is skipped and
 * logged at warn, never thrown: `get` answers undefined, iteration goes on past it. So a node
 * always starts, whatever one record holds; the record stays on disk for inspection until it is
 * overwritten or deleted.
 */
export class Table<S extends TSchema> {
  readonly name: BucketName
  readonly #db: Datastore
  readonly #sublevel: Bucket<string, string>
  readonly #check: Validator<{}, S>
  readonly #log: Logger

  constructor (datastore: Datastore, name: BucketName, schema: S, log: Logger) {
    this.name = name
    this.#db = datastore
    this.#sublevel = datastore.bucket<string, string>(name, 'utf8', 'utf8')
    this.#check = Compile(schema)
    this.#log = log
  }

  #decode (key: string, raw: unknown): Static<S> | undefined {
    let value: unknown
    try {
      value = JSON.parse(String(raw))
    } catch {
      this.#corrupt(key, 'not JSON')
      return undefined
    }
    if (this.#check.Check(value)) return value as Static<S>
    const first = this.#check.Errors(value)[0]
    this.#corrupt(key, first === undefined ? 'wrong shape' : `${first.instancePath || '(root)'}: ${first.message}`)
    return undefined
  }

  #corrupt (key: string, why: string): void {
    const id = `${this.name}/${key}`
    if (reported.has(id)) return
    if (reported.size < 10_000) reported.add(id)
    this.#log.warn({ bucket: this.name, key: key.slice(0, 200), why }, 'corrupt record skipped')
  }

  /** The record at `key`; undefined when absent or corrupt. */
  async get (key: string): Promise<Static<S> | undefined> {
    const raw = await this.#sublevel.get(key)
    return raw === undefined ? undefined : this.#decode(key, raw)
  }

  /** Writes one record (durably with `sync`). */
  async put (key: string, value: Static<S>, sync = false): Promise<void> {
    await this.#db.batch([this.putOp(key, value)], sync)
  }

  async del (key: string, sync = false): Promise<void> {
    await this.#db.batch([this.delOp(key)], sync)
  }

  /** A put for an atomic multi-bucket `Datastore.batch`. */
  putOp (key: string, value: Static<S>): BatchOp {
    return { type: 'put', sublevel: this.#sublevel, key, value: JSON.stringify(value) }
  }

  delOp (key: string): BatchOp {
    return { type: 'del', sublevel: this.#sublevel, key }
  }

  /** Valid records in key order (corrupt ones skipped). */
  async * entries (range: Range = {}): AsyncGenerator<[string, Static<S>]> {
    for await (const [key, raw] of this.#sublevel.iterator(range)) {
      const value = this.#decode(String(key), raw)
      if (value !== undefined) yield [String(key), value]
    }
  }

  async * values (range: Range = {}): AsyncGenerator<Static<S>> {
    for await (const [, value] of this.entries(range)) yield value
  }

  /** Every key in the range, corrupt records' included (to delete them, say). */
  async * keys (range: Range = {}): AsyncGenerator<string> {
    for await (const key of this.#sublevel.keys(range)) yield String(key)
  }
}
