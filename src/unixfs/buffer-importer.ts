import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { BufferImporter } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import type { ChunkRing } from './chunk-ring.js'
import type { HashPool } from './hash-pool.js'
import type { ImportParams } from './params.js'

/** The put of the block sink, with the release hook of the pack writer. */
type Sink = { put: (cid: CID, block: Uint8Array, options?: { onWritten?: () => void }) => Promise<unknown> }

/**
 * The importer's leaf step (its `bufferImporter` extension point) with hashing off the main
 * thread. It makes the leaves the importer's default does, with the same libraries
 * (ipfs-unixfs, @ipld/dag-pb): raw leaves, or UnixFS `file` leaves in dag-pb. A raw leaf cut by
 * a ChunkRing already has its digest under way and goes to the writer straight from the ring;
 * its memory is given back once written. Other leaves are hashed on the HashPool. The leaf's
 * `block` is the ring's memory: the importer only reads it back for a single-leaf file with
 * mtime or mode, which the add path never sets.
 */
export function pooledBufferImporter (params: ImportParams, pool: HashPool, ring?: ChunkRing): BufferImporter {
  return async function * (file, blockstore) {
    const sink = blockstore as unknown as Sink
    for await (const chunk of file.content) {
      yield async () => {
        // taken at once, before any await: from here this job alone gives the chunk back
        const fromRing = ring?.take(chunk)
        if (params.rawLeaves) {
          try {
            const digest = await (fromRing?.digest ?? pool.sha256(chunk))
            const cid = CID.createV1(raw.code, Digest.create(sha256.code, digest))
            await sink.put(cid, chunk, fromRing !== undefined ? { onWritten: fromRing.release } : {})
            ring?.queued()
            return { cid, size: BigInt(chunk.length), block: chunk }
          } catch (err) {
            // a put that threw never queued the block, so nothing else will release it
            fromRing?.release()
            throw err
          }
        }
        const unixfs = new UnixFS({ type: 'file', data: chunk })
        const block = dagPb.encode({ Data: unixfs.marshal(), Links: [] })
        fromRing?.release()
        const cid = CID.create(params.cidVersion, dagPb.code, Digest.create(sha256.code, await pool.sha256(block)))
        await sink.put(cid, block)
        return { cid, unixfs, size: BigInt(block.length), block }
      }
    }
  }
}
