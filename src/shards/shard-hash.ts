import { createHash, type Hash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { MerkleBuilder } from '../merkle/index.js'

/** The two digests of a shard, computed in one pass over its bytes. */
export interface ShardDigests {
  cid: CID
  size: number
  merkleRoot: Uint8Array
}

/** Streaming hash state of one shard: its flat SHA-256 (for the CID) and its Merkle tree. */
export class ShardHashState {
  readonly #flat: Hash = createHash('sha256')
  readonly #merkle: MerkleBuilder
  #size = 0

  constructor (leafSize: number) {
    this.#merkle = new MerkleBuilder(leafSize)
  }

  update (bytes: Uint8Array): void {
    this.#flat.update(bytes)
    this.#merkle.update(bytes)
    this.#size += bytes.length
  }

  finish (): ShardDigests {
    return {
      cid: CID.createV1(raw.code, Digest.create(sha256.code, this.#flat.digest())),
      size: this.#size,
      merkleRoot: this.#merkle.root()
    }
  }
}
