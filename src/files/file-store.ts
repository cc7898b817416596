import type { CID } from 'multiformats/cid'
import { buckets, type Bucket, type BatchOp, type Datastore } from '../store/index.js'

/** What the node remembers about a file it imported. */
export interface FileRecord {
  name?: string
  size: number
  cidVersion: 0 | 1
  rawLeaves: boolean
  chunker: string
  added: string
}

/** Typed access to the `files` bucket, keyed by root CID string. */
export class FileStore {
  readonly #bucket: Bucket<string, FileRecord>

  constructor (datastore: Datastore) {
    this.#bucket = datastore.bucket(buckets.files, 'utf8', 'json')
  }

  async get (cid: CID | string): Promise<FileRecord | undefined> {
    return await this.#bucket.get(cid.toString())
  }

  putOp (cid: CID, record: FileRecord): BatchOp {
    return { type: 'put', sublevel: this.#bucket, key: cid.toString(), value: record }
  }

  deleteOp (cid: string): BatchOp {
    return { type: 'del', sublevel: this.#bucket, key: cid }
  }

  async * keys (): AsyncGenerator<string> {
    yield * this.#bucket.keys()
  }
}
