import t, { type Test } from 'tap'
import { readdir, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { PackBlockStore, type PackStoreOptions } from '../src/blocks/index.js'
import { Datastore } from '../src/store/index.js'
import { silentLogger } from '../src/logger.js'
import { pseudoRandomBytes } from './helpers/node.js'

async function block (seed: number, size = 1000): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = pseudoRandomBytes(size, seed)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function openStore (t: Test, dir: string, options: Partial<PackStoreOptions> = {}): Promise<{ store: PackBlockStore, close: () => Promise<void> }> {
  const datastore = await Datastore.open(join(dir, 'datastore'), silentLogger())
  const store = new PackBlockStore({ dir: join(dir, 'blocks'), fsync: false, ...options }, { datastore, logger: silentLogger() })
  await store.start()
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await store.stop()
    await datastore.close()
  }
  t.teardown(close)
  return { store, close }
}

function same (actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual).equals(Buffer.from(expected))
}

async function packFiles (dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'blocks'))).filter(f => f.endsWith('.pack')).sort()
}

t.test('staged writes are invisible until commit; abort leaves nothing', async t => {
  const dir = t.testdir()
  const { store } = await openStore(t, dir, { flushBytes: 1 })
  const a = await block(1)
  const b = await block(2)
  const w1 = store.writer()
  await w1.put(a.cid, a.bytes)
  t.notOk(await store.has(a.cid), 'not visible before commit')
  await w1.commit()
  t.ok(await store.has(a.cid))
  t.ok(same(await store.get(a.cid), a.bytes))
  t.equal(await store.size(a.cid), 1000)

  const w2 = store.writer()
  await w2.put(b.cid, b.bytes)
  await w2.flush()
  t.equal((await packFiles(dir)).length, 2, 'the staged pack is on disk')
  await w2.abort()
  t.equal((await packFiles(dir)).length, 1, 'abort unlinks it')
  t.notOk(await store.has(b.cid))
  await t.rejects(store.get(b.cid), { code: 'BLOCK_NOT_FOUND' })
  await t.rejects(w2.put(b.cid, b.bytes), /aborted/, 'an aborted writer refuses more puts')
})

t.test('deduplication within a writer and against the store', async t => {
  const dir = t.testdir()
  const { store } = await openStore(t, dir)
  const a = await block(3)
  const w1 = store.writer()
  await w1.put(a.cid, a.bytes)
  await w1.put(a.cid, a.bytes)
  await w1.commit()
  t.equal(w1.bytesWritten, 1000, 'written once')
  const w2 = store.writer()
  await w2.put(a.cid, a.bytes)
  await w2.commit()
  t.equal(w2.bytesWritten, 0, 'already stored: skipped')
  t.equal((await packFiles(dir)).length, 1, 'a writer that wrote nothing creates no pack')
  const v0 = CID.createV0(a.cid.multihash as Parameters<typeof CID.createV0>[0])
  t.ok(await store.has(v0), 'blocks are keyed by multihash: any CID of the same bytes finds them')
})

t.test('many blocks across rolled-over packs read back in any order', async t => {
  const dir = t.testdir()
  const { store } = await openStore(t, dir, { maxPackBytes: 64 * 1024, flushBytes: 16 * 1024, maxReadBytes: 20000, fsync: true })
  const blocks = await Promise.all(Array.from({ length: 100 }, async (_, i) => await block(100 + i, 1 + (i * 997) % 5000)))
  const w = store.writer()
  await Promise.all(blocks.map(async b => { await w.put(b.cid, b.bytes) }))
  await w.commit()
  t.ok((await packFiles(dir)).length > 3, 'the writer rolled over to new packs')
  const order = [...blocks].reverse().concat(blocks.filter((_, i) => i % 3 === 0))
  const got = await store.getMany(order.map(b => b.cid))
  t.ok(got.every((bytes, i) => same(bytes, order[i]!.bytes)), 'getMany returns each block, in request order')
  t.same(await store.hasMany([blocks[0]!.cid, (await block(999)).cid]), [true, false])
  t.same(await store.stat(), { blocks: 100, bytes: blocks.reduce((n, b) => n + b.bytes.length, 0), packs: (await packFiles(dir)).length })
})

t.test('packs no commit published are removed at start; truncated packs are reported', async t => {
  const dir = t.testdir()
  {
    const { store, close } = await openStore(t, dir)
    const a = await block(5, 5000)
    const w = store.writer()
    await w.put(a.cid, a.bytes)
    await w.commit()
    await close()
  }
  await writeFile(join(dir, 'blocks', '0000000099.pack'), 'left by a crash mid-add')
  const { store } = await openStore(t, dir)
  t.same(await packFiles(dir), ['0000000001.pack'], 'the orphan is gone, the published pack stays')
  const a = await block(5, 5000)
  await truncate(join(dir, 'blocks', '0000000001.pack'), 100)
  await t.rejects(store.get(a.cid), { code: 'CORRUPT_BLOCK', message: /shorter/ })
  const w = store.writer()
  const b = await block(6)
  await w.put(b.cid, b.bytes)
  await w.commit()
  t.same(await packFiles(dir), ['0000000001.pack', '0000000100.pack'], 'new pack ids never reuse an orphan id')
})

t.test('sweep deletes dead blocks, removes empty packs and rewrites mostly-dead ones', async t => {
  const dir = t.testdir()
  const { store } = await openStore(t, dir)
  const blocks = await Promise.all(Array.from({ length: 10 }, async (_, i) => await block(200 + i, 10000)))
  const w = store.writer()
  for (const b of blocks) await w.put(b.cid, b.bytes)
  await w.commit()
  const keep = new Set([blocks[3]!, blocks[7]!].map(b => Buffer.from(b.cid.multihash.bytes).toString('hex')))
  const result = await store.sweep(mh => keep.has(Buffer.from(mh).toString('hex')))
  t.equal(result.removedBlocks, 8)
  t.equal(result.freedBytes, 80000)
  t.same(await packFiles(dir), ['0000000002.pack'], 'the pack was 80% dead: rewritten')
  t.ok(same(await store.get(blocks[3]!.cid), blocks[3]!.bytes))
  t.ok(same(await store.get(blocks[7]!.cid), blocks[7]!.bytes))
  await store.sweep(() => false)
  t.same(await packFiles(dir), [], 'an empty pack is deleted')
})
