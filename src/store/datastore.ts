import { Level } from 'level'
import type { AbstractSublevel, AbstractBatchOperation } from 'abstract-level'
import type { Logger } from '../logger.js'
import type { TSchema } from 'typebox'
import type { BucketName } from './keys.js'
import { Table } from './table.js'

/** A typed bucket of the datastore (a LevelDB sublevel). */
export type Bucket<K, V> = AbstractSublevel<Level<string, unknown>, string | Uint8Array, K, V>

/** One operation of an atomic multi-bucket batch. */
export type BatchOp = AbstractBatchOperation<Level<string, unknown>, any, any>

/** Encodings a bucket can use. `view` keeps keys/values as raw bytes. */
export type Encoding = 'json' | 'utf8' | 'view'

/**
 * The LevelDB controller of a repo (package `level`, files under `datastore/`). Everything that
 * must change together is written with `batch` across buckets, which LevelDB applies atomically;
 * commits that acknowledge user data use `sync: true`.
 */
export class Datastore {
  readonly db: Level<string, unknown>
  readonly #log: Logger

  private constructor (db: Level<string, unknown>, log: Logger) {
    this.db = db
    this.#log = log
  }

  /** Opens (creating if missing) the LevelDB at `path`. */
  static async open (path: string, log: Logger): Promise<Datastore> {
    const db = new Level<string, unknown>(path, { valueEncoding: 'json' })
    await db.open()
    log.debug({ path }, 'datastore open')
    return new Datastore(db, log)
  }

  /** The bucket `name` with the given key and value encodings. */
  bucket<K extends string | Uint8Array, V> (name: BucketName, keyEncoding: Encoding, valueEncoding: Encoding): Bucket<K, V> {
    return this.db.sublevel<K, V>(name, { keyEncoding, valueEncoding }) as unknown as Bucket<K, V>
  }

  /** A typed repository over bucket `name` whose records must match `schema` (corrupt ones are skipped and logged). */
  table<S extends TSchema> (name: BucketName, schema: S): Table<S> {
    return new Table(this, name, schema, this.#log)
  }

  /** Applies `ops` atomically; `sync` waits until LevelDB has flushed them to disk. */
  async batch (ops: BatchOp[], sync = false): Promise<void> {
    if (ops.length === 0) return
    await this.db.batch(ops, { sync })
  }

  /** Closes the database. */
  async close (): Promise<void> {
    await this.db.close()
    this.#log.info('datastore closed')
  }
}
