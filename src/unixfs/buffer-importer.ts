import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { BufferImporter } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import type { HashPool } from './hash-pool.js'
import type { ImportParams } from './params.js'

/**
 * The importer's leaf step (its `bufferImporter` extension point) with hashing on a HashPool.
 * It makes the leaves the importer's default does, with the same libraries (ipfs-unixfs,
 * @ipld/dag-pb): raw leaves, or UnixFS `file` leaves in dag-pb; only where SHA-256 runs differs.
 */
export function pooledBufferImporter (params: ImportParams, pool: HashPool): BufferImporter {
  return async function * (file, blockstore) {
    for await (const chunk of file.content) {
      yield async () => {
        let block = chunk
        let unixfs: UnixFS | undefined
        let cid: CID
        if (params.rawLeaves) {
          cid = CID.createV1(raw.code, Digest.create(sha256.code, await pool.sha256(block)))
        } else {
          unixfs = new UnixFS({ type: 'file', data: chunk })
          block = dagPb.encode({ Data: unixfs.marshal(), Links: [] })
          cid = CID.create(params.cidVersion, dagPb.code, Digest.create(sha256.code, await pool.sha256(block)))
        }
        await blockstore.put(cid, block)
        return { cid, unixfs, size: BigInt(block.length), block }
      }
    }
  }
}
