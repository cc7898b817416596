import t from 'tap'
import { createHash } from 'node:crypto'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { HashPool, type SharedSlice } from '../src/unixfs/hash-pool.js'
import { SharedArena, type ArenaLease } from '../src/unixfs/shared-arena.js'
import { ChunkRing } from '../src/unixfs/chunk-ring.js'
import { pseudoRandomBytes, chunks, collect } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test('the pool hashes like node:crypto, in place or on a worker, and after close', async t => {
  const pool = new HashPool({ workers: 2, arenaBytes: 2 * 1024 * 1024 + 65536, slotBytes: 1024 * 1024 })
  const inputs = [0, 100, 32 * 1024, 300000, 1024 * 1024, 2 * 1024 * 1024].map((n, i) => pseudoRandomBytes(n, i + 1))
  const digests = await Promise.all(inputs.flatMap(b => [pool.sha256(b), pool.sha256(b)]))
  t.same(digests.map(hex), inputs.flatMap(b => [sha(b), sha(b)]), 'concurrent jobs beyond the arena\'s room all finish right (in place when it is full)')
  t.equal(pool.stats().leasedBytes, 0, 'and every slice they used is back')
  const slice = await pool.lease(300000)
  slice.bytes.set(inputs[3] as Uint8Array)
  t.equal(hex(await slice.sha256(300000)), sha(inputs[3] as Uint8Array), 'a leased slice is hashed in place by a worker')
  slice.release()
  slice.release()
  t.equal(pool.stats().leases, 0, 'a second release is ignored')
  const pending = pool.sha256(inputs[4] as Uint8Array)
  await pool.close()
  t.equal(hex(await pending), sha(inputs[4] as Uint8Array), 'a job in flight at close still completes')
  t.ok(pool.inline)
  t.equal(hex(await pool.sha256(inputs[4] as Uint8Array)), sha(inputs[4] as Uint8Array), 'after close it hashes in place')
  const after = pool.tryLease(65536) as SharedSlice
  after.bytes.set((inputs[4] as Uint8Array).subarray(0, 65536))
  t.equal(hex(await after.sha256(65536)), sha((inputs[4] as Uint8Array).subarray(0, 65536)), 'leases still work after close, hashed in place')
  after.release()
  t.equal(pool.stats().sharedBuffers, 1, 'the workers were given one shared buffer in all')
})

t.test('the arena leases first fit, waits in order, and gives way to an abort', async t => {
  const unit = 1024
  const arena = new SharedArena({ bytes: 8 * unit, unitBytes: unit })
  const a = arena.tryAcquire(3 * unit) as ArenaLease
  const b = arena.tryAcquire(1) as ArenaLease
  t.same([a.offset, b.offset], [0, 3 * unit], 'lowest offsets first, rounded up to whole units')
  t.throws(() => arena.tryAcquire(9 * unit), RangeError, 'more than the arena could ever hold is an error, not a wait')
  let pressed = 0
  const unlisten = arena.onPressure(() => { pressed++ })
  const c = arena.tryAcquire(4 * unit) as ArenaLease
  t.equal(arena.tryAcquire(unit), undefined, 'full')
  const order: string[] = []
  const big = arena.acquire(3 * unit).then(l => { order.push('big'); return l })
  const aborter = new AbortController()
  const aborted = arena.acquire(unit, aborter.signal)
  const small = arena.acquire(unit).then(l => { order.push('small'); return l })
  t.equal(pressed, 3, 'every wait tells the holders')
  t.equal(arena.tryAcquire(unit), undefined, 'no overtaking the queue')
  arena.release(b)
  await new Promise(resolve => setImmediate(resolve))
  t.same(order, [], 'one free unit does not serve the 3-unit head, nor those behind it')
  aborter.abort(new Error('gave up'))
  await t.rejects(aborted, /gave up/, 'an aborted wait rejects with the reason')
  arena.release(a)
  const [bigLease, smallLease] = await Promise.all([big, small])
  t.same(order, ['big', 'small'], 'served in order once the head fits')
  t.same([bigLease.offset, smallLease.offset], [0, 3 * unit])
  t.same(arena.stats(), { capacityBytes: 8 * unit, leasedBytes: 8 * unit, peakLeasedBytes: 8 * unit, leases: 3, waiting: 0 })
  for (const lease of [bigLease, smallLease, c, c]) arena.release(lease)
  t.equal(arena.stats().leasedBytes, 0, 'all back (a double release changes nothing)')
  unlisten()
  await t.rejects(arena.acquire(unit, AbortSignal.abort(new Error('already'))), /already/)
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
        const info = ring.take(chunk)
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
  ring.take(held[0] as Uint8Array)?.release()
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

t.test('every slice a ring leased goes back, however the add ends', async t => {
  const pool = new HashPool({ workers: 1, arenaBytes: 64 * 1024, unitBytes: 1024 })
  t.teardown(async () => { await pool.close() })
  const allBack = async (what: string): Promise<void> => {
    await waitFor(what, () => pool.stats().leases === 0, 5000)
    t.pass(what)
  }
  const failing = async function * (): AsyncGenerator<Uint8Array> {
    yield pseudoRandomBytes(2500, 1)
    throw new Error('upload cut')
  }
  const cut = new ChunkRing(pool, { chunkSize: 1024, slots: 8 })
  const taken: Uint8Array[] = []
  await t.rejects((async () => { for await (const c of cut.chunks(failing())) taken.push(c) })(), /upload cut/)
  cut.close()
  t.equal(taken.length, 2, 'the whole chunks before the failure were yielded')
  t.ok(pool.stats().leases > 0, 'yielded chunks stay held until someone gives them back')
  await allBack('a failed source: the half-filled chunk and the yielded, never taken chunks')

  const early = new ChunkRing(pool, { chunkSize: 1024, slots: 8 })
  for await (const c of early.chunks(chunks(pseudoRandomBytes(20 * 1024, 2), 3000))) { early.take(c)?.release(); break }
  early.close()
  await allBack('a consumer that stops early: chunks cut ahead and the one being filled')

  // more data than the arena holds, with every chunk released as it is consumed
  const ring = new ChunkRing(pool, { chunkSize: 1024, slots: 100 })
  const data = pseudoRandomBytes(200 * 1024, 3)
  const got: string[] = []
  for await (const c of ring.chunks(chunks(data, 5000))) {
    const info = ring.take(c) as { digest: Promise<Uint8Array>, release: () => void }
    got.push(hex(await info.digest))
    info.release()
  }
  ring.close()
  t.same(got, Array.from({ length: 200 }, (_, i) => sha(data.subarray(i * 1024, i * 1024 + 1024))), '200 KiB through a 64 KiB arena: the ring waits for room instead of failing')
  t.ok(pool.stats().peakLeasedBytes <= 64 * 1024, 'never more than the arena')
  await allBack('a ring that ran to the end')
})
