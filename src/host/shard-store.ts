import { createHash } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { AppError } from '../errors/index.js'
import { MerkleBuilder } from '../merkle/index.js'

/** What a host expects to receive for one contract. */
export interface ExpectedShard {
  contractId: string
  cid: string
  size: number
  /** 0x-hex Merkle root. */
  merkleRoot: string
  leafSize: number
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * Shard files on a host: `<repo>/shards/<cid>`, written through `partial/<contract id>`. A shard
 * is committed only after its size, SHA-256 (the CID) and Merkle root were checked against the
 * contract and the data was fsynced; then it is renamed into place and the directory fsynced.
 */
export class HostShardStore {
  readonly dir: string
  readonly #partial: string

  constructor (dir: string) {
    this.dir = dir
    this.#partial = join(dir, 'partial')
  }

  /** Creates the directories and drops partial uploads left by a crash (renters resend them). */
  async start (): Promise<void> {
    await rm(this.#partial, { recursive: true, force: true })
    await mkdir(this.#partial, { recursive: true })
  }

  #path (cid: string): string {
    return join(this.dir, CID.parse(cid).toString())
  }

  /**
   * Receives `expected.size` bytes from `source` into a partial file, verifying as it writes.
   * Throws SHARD_MISMATCH (and keeps nothing) when size, CID or Merkle root differ.
   */
  async receive (expected: ExpectedShard, source: { read: () => Promise<Uint8Array>, consumed: (bytes: number) => Promise<void> }): Promise<void> {
    const tmp = join(this.#partial, expected.contractId)
    const handle = await open(tmp, 'w', 0o644)
    let committed = false
    try {
      const hash = createHash('sha256')
      const merkle = new MerkleBuilder(expected.leafSize)
      let received = 0
      let position = 0
      while (received < expected.size) {
        const frame = await source.read()
        received += frame.length
        if (received > expected.size) throw new AppError('PROTOCOL_ERROR', `renter sent more than the contract's ${expected.size} bytes`)
        hash.update(frame)
        merkle.update(frame)
        let done = 0
        while (done < frame.length) {
          const { bytesWritten } = await handle.write(frame, done, frame.length - done, position)
          done += bytesWritten
          position += bytesWritten
        }
        await source.consumed(frame.length)
      }
      const cid = CID.createV1(raw.code, createDigest(sha256.code, hash.digest())).toString()
      if (cid !== CID.parse(expected.cid).toString()) throw new AppError('PROTOCOL_ERROR', `received bytes hash to ${cid}, the contract says ${expected.cid}`)
      const root = '0x' + hex(merkle.root())
      if (root !== expected.merkleRoot) throw new AppError('PROTOCOL_ERROR', `received bytes have Merkle root ${root}, the contract says ${expected.merkleRoot}`)
      await handle.datasync()
      await handle.close()
      await rename(tmp, this.#path(cid))
      await this.#syncDir()
      committed = true
    } finally {
      if (!committed) {
        await handle.close().catch(() => {})
        await rm(tmp, { force: true })
      }
    }
  }

  async #syncDir (): Promise<void> {
    const dir = await open(this.dir, 'r')
    try { await dir.sync() } finally { await dir.close() }
  }

  /** The stored size of `cid`, or undefined when this host does not hold it. */
  async size (cid: string): Promise<number | undefined> {
    try {
      return (await stat(this.#path(cid))).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  /** Opens a stored shard for reading; undefined when absent. */
  async open (cid: string): Promise<FileHandle | undefined> {
    try {
      return await open(this.#path(cid), 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  /** Deletes a stored shard (its contracts ended); no error when it is already gone. */
  async remove (cid: string): Promise<void> {
    await rm(this.#path(cid), { force: true })
    await this.#syncDir()
  }

  async list (): Promise<string[]> {
    return (await readdir(this.dir, { withFileTypes: true })).filter(e => e.isFile()).map(e => e.name)
  }
}
