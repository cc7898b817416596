import t from 'tap'
import { createHash } from 'node:crypto'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { HashPool } from '../src/unixfs/hash-pool.js'
import { ChunkRing } from '../src/unixfs/chunk-ring.js'
import { pseudoRandomBytes, chunks, collect } from './helpers/node.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test('the pool hashes like node:crypto, in place or on a worker, and after close', async t => {
  const pool = new HashPool({ workers: 2, slots: 2, slotBytes: 1024 * 1024 })
  const inputs = [0, 100, 32 * 1024, 300000, 1024 * 1024, 2 * 1024 * 1024].map((n, i) => pseudoRandomBytes(n, i + 1))
  const digests = await Promise.all(inputs.flatMap(b => [pool.sha256(b), pool.sha256(b)]))
  t.same(digests.map(hex), inputs.flatMap(b => [sha(b), sha(b)]), 'concurrent jobs beyond the slot count all finish right')
  const region = pool.share(1 << 20)
  region.bytes.set(inputs[3] as Uint8Array, 1000)
  t.equal(hex(await region.sha256(1000, 300000)), sha(inputs[3] as Uint8Array), 'a shared region is hashed in place')
  region.release()
  t.equal(hex(await region.sha256(1000, 300000)), sha(inputs[3] as Uint8Array), 'a region the workers forgot is hashed on this thread')
  const pending = pool.sha256(inputs[4] as Uint8Array)
  await pool.close()
  t.equal(hex(await pending), sha(inputs[4] as Uint8Array), 'a job in flight at close still completes')
  t.ok(pool.inline)
  t.equal(hex(await pool.sha256(inputs[4] as Uint8Array)), sha(inputs[4] as Uint8Array), 'after close it hashes in place')
})

t.test('the ring cuts exactly as the importer\'s fixedSize chunker and hashes each chunk', async t => {
  const pool = new HashPool({ workers: 1 })
  t.teardown(async () => { await pool.close() })
  const size = 65536
  for (const total of [0, 1, size - 1, size, size + 1, 5 * size + 7]) {
    for (const piece of [1000, size, 100000]) {
      const data = pseudoRandomBytes(total, total + piece)
      const expected = await collectChunks(fixedSize({ chunkSize: size })(chunks(data, piece)))
      const ring = new ChunkRing(pool, { chunkSize: size, slots: 8 })
      const got: string[] = []
      const digests: Array<Promise<Uint8Array>> = []
      for await (const chunk of ring.chunks(chunks(data, piece))) {
        got.push(hex(chunk))
        const info = ring.info(chunk)
        digests.push(info?.digest as Promise<Uint8Array>)
        info?.release()
      }
      ring.close()
      t.same(got, expected.map(hex), `${total} bytes in pieces of ${piece}`)
      t.same((await Promise.all(digests)).map(hex), expected.map(sha), 'digests')
    }
  }
})

t.test('the ring reads ahead only as far as it has free slots', async t => {
  const pool = new HashPool({ workers: 1 })
  t.teardown(async () => { await pool.close() })
  let starved = 0
  let pulled = 0
  const source = async function * (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 20; i++) { pulled++; yield pseudoRandomBytes(1024, i) }
  }
  const ring = new ChunkRing(pool, { chunkSize: 1024, slots: 3, onStarved: () => { starved++ } })
  const iterator = ring.chunks(source())
  const held: Uint8Array[] = []
  for (let i = 0; i < 3; i++) held.push((await iterator.next()).value as Uint8Array)
  await new Promise(resolve => setImmediate(resolve))
  t.ok(pulled <= 4, `the producer stopped with every slot held (read ${pulled} of 20 pieces)`)
  t.ok(starved >= 1, 'and asked the consumer to flush')
  ring.info(held[0] as Uint8Array)?.release()
  const fourth = (await iterator.next()).value as Uint8Array
  t.equal(hex(fourth), hex(pseudoRandomBytes(1024, 3)), 'a released slot lets the next chunk through')
  await iterator.return(undefined)
  ring.close()
  t.ok(pulled < 20, 'stopping the consumer stops reading the source')
})

t.test('a failing source fails the consumer', async t => {
  const pool = new HashPool({ workers: 1 })
  t.teardown(async () => { await pool.close() })
  const ring = new ChunkRing(pool, { chunkSize: 1024, slots: 4 })
  const source = async function * (): AsyncGenerator<Uint8Array> {
    yield pseudoRandomBytes(3000, 1)
    throw new Error('upload cut')
  }
  await t.rejects(collect(ring.chunks(source())), /upload cut/)
  ring.close()
})

async function collectChunks (source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const c of source) out.push(Uint8Array.from(c))
  return out
}
