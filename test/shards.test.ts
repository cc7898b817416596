import t from 'tap'
import { copyFile, mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { startTestNode, pseudoRandomBytes, chunks, collect } from './helpers/node.js'
import { resolveImportParams } from '../src/unixfs/params.js'
import { MerkleBuilder } from '../src/merkle/index.js'
import { ShardHashers } from '../src/shards/hash-workers.js'
import { encodeShards } from '../src/shards/encoder.js'
import { newFileSecrets } from '../src/shards/cipher.js'
import { decodeManifest } from '../src/shards/manifest.js'
import type { BtfsNode } from '../src/node.js'

const v1 = resolveImportParams({}, { cidVersion: 1, rawLeaves: true, chunker: 'size-262144' })
const small = { k: 4, m: 2, segmentSize: 64 * 1024, leafSize: 1024 }

async function addBytes (node: BtfsNode, data: Uint8Array): Promise<import('multiformats/cid').CID> {
  return (await node.files.add(chunks(data, 50000), { params: v1, pin: true })).cid
}

function subsets (n: number, k: number): number[][] {
  if (k === 0) return [[]]
  if (n < k) return []
  return [...subsets(n - 1, k - 1).map(s => [...s, n - 1]), ...subsets(n - 1, k)]
}

t.test('encode writes k + m shards named by their CIDs; decode gives the bytes back', async t => {
  const node = await startTestNode(t)
  const dir = join(node.repo.paths.root, 'out')
  const S = small.segmentSize
  for (const size of [0, 1, S - 17, S - 16, S, S + 1, 3 * S + 7]) {
    const data = pseudoRandomBytes(size, size + 1)
    const root = await addBytes(node, data)
    const out = join(dir, String(size))
    const { manifestCid, manifest } = await node.shards.encode(root, { outDir: out, params: small })
    t.equal(manifest.shards.length, 6)
    t.equal(manifest.size, size)
    const files = (await readdir(out)).sort()
    t.same(files, [...manifest.shards.map(s => s.cid.toString()), manifestCid.toString()].sort(), `${size} bytes: shard files named by CID, and the manifest`)
    for (const shard of manifest.shards) {
      const bytes = await readFile(join(out, shard.cid.toString()))
      t.equal(bytes.length, shard.size)
      t.same(createHash('sha256').update(bytes).digest(), Buffer.from(shard.cid.multihash.digest), 'the CID is the SHA-256 of the shard')
      const merkle = new MerkleBuilder(small.leafSize)
      merkle.update(bytes)
      t.same(Buffer.from(merkle.root()), Buffer.from(shard.merkleRoot), 'the Merkle root is over the shard bytes')
    }
    t.same(decodeManifest(await readFile(join(out, manifestCid.toString()))), manifest, 'the manifest file decodes to the same manifest')
    const { stream } = await node.shards.decode(manifestCid, { fromDir: out })
    t.ok((await collect(stream)).equals(Buffer.from(data)), `${size} bytes rebuilt`)
  }
})

t.test('any k shards rebuild the file, all-parity included', async t => {
  const node = await startTestNode(t)
  const data = pseudoRandomBytes(5 * 64 * 1024 + 333, 7)
  const root = await addBytes(node, data)
  for (const params of [{ ...small, k: 3, m: 3 }, { ...small, k: 2, m: 3 }]) {
    const out = join(node.repo.paths.root, `all-${params.k}-${params.m}`)
    const { manifestCid, manifest } = await node.shards.encode(root, { outDir: out, params })
    for (const keep of subsets(params.k + params.m, params.k)) {
      const dir = join(node.repo.paths.root, `subset-${params.k}-${keep.join('-')}`)
      await mkdir(dir)
      for (const i of keep) { const cid = manifest.shards[i]?.cid.toString() as string; await copyFile(join(out, cid), join(dir, cid)) }
      const { stream } = await node.shards.decode(manifestCid, { fromDir: dir })
      t.ok((await collect(stream)).equals(Buffer.from(data)), `${params.k}+${params.m} from shards ${keep.join(',')}`)
    }
  }
})

t.test('damaged shards are not used; fewer than k intact ones is a clear error', async t => {
  const node = await startTestNode(t)
  const data = pseudoRandomBytes(200000, 9)
  const root = await addBytes(node, data)
  const out = join(node.repo.paths.root, 'out')
  const { manifestCid, manifest } = await node.shards.encode(root, { outDir: out, params: small })
  const path = (i: number): string => join(out, manifest.shards[i]?.cid.toString() as string)
  const damaged = await readFile(path(0))
  damaged[1000] = (damaged[1000] as number) ^ 0xff
  await writeFile(path(0), damaged)
  await writeFile(path(1), (await readFile(path(1))).subarray(0, 100))
  const { stream } = await node.shards.decode(manifestCid, { fromDir: out })
  t.ok((await collect(stream)).equals(Buffer.from(data)), 'rebuilt from the 4 intact shards')
  await unlink(path(2))
  await t.rejects(node.shards.decode(manifestCid, { fromDir: out }), { code: 'NOT_ENOUGH_SHARDS', message: /only 3 intact shards of 6.*any 4/ })
})

t.test('the manifest survives GC of the file; sealed keys need the owner, public ones do not', async t => {
  const node = await startTestNode(t)
  const data = pseudoRandomBytes(100000, 11)
  const root = await addBytes(node, data)
  const out = join(node.repo.paths.root, 'sealed')
  const sealed = await node.shards.encode(root, { outDir: out, params: small })
  const open = await node.shards.encode(root, { outDir: join(node.repo.paths.root, 'public'), params: small, public: true })
  t.same((await node.shards.list(root)).map(r => r.manifest).sort(), [sealed.manifestCid.toString(), open.manifestCid.toString()].sort())
  await node.pins.rm(root)
  await node.pins.gc()
  await t.rejects(node.files.open({ cid: root, segments: [] }), { code: 'BLOCK_NOT_FOUND' }, 'the file itself is gone')
  const { stream } = await node.shards.decode(sealed.manifestCid, { fromDir: out })
  t.ok((await collect(stream)).equals(Buffer.from(data)), 'rebuilt from shards alone')

  const stranger = await startTestNode(t, {}, true)
  await t.rejects(stranger.shards.decode(sealed.manifestCid, { fromDir: out }), { code: 'FILE_KEY_UNAVAILABLE' }, 'another node cannot open a sealed key')
  const { stream: publicStream } = await stranger.shards.decode(open.manifestCid, { fromDir: join(node.repo.paths.root, 'public') })
  t.ok((await collect(publicStream)).equals(Buffer.from(data)), 'a public manifest opens anywhere (read from the shard folder)')
})

t.test('hash workers and the calling thread compute the same digests', async t => {
  const data = pseudoRandomBytes(3 * 65536 + 5000, 13)
  const { key, fileId } = newFileSecrets()
  const run = async (workers: number): Promise<string[]> => {
    const hashers = new ShardHashers(workers)
    t.teardown(async () => { await hashers.close() })
    const digests = await encodeShards({ source: chunks(data, 10000), size: data.length, params: small, key, fileId, hashers })
    return digests.map(d => `${d.cid.toString()} ${d.size} ${Buffer.from(d.merkleRoot).toString('hex')}`)
  }
  t.same(await run(2), await run(0))
  await t.rejects(encodeShards({ source: chunks(data, 10000), size: data.length + 1, params: small, key, fileId, hashers: new ShardHashers(0) }), /ended 1 bytes early/)
  await t.rejects(encodeShards({ source: chunks(data, 10000), size: data.length - 1, params: small, key, fileId, hashers: new ShardHashers(0) }), /longer than its size/)
})

t.test('bad parameters and inputs', async t => {
  const node = await startTestNode(t)
  const root = await addBytes(node, pseudoRandomBytes(1000, 1))
  const out = join(node.repo.paths.root, 'x')
  await t.rejects(node.shards.encode(root, { outDir: out, params: { k: 0 } }), { code: 'INVALID_PARAMETER' })
  await t.rejects(node.shards.encode(root, { outDir: out, params: { k: 200, m: 57 } }), { code: 'INVALID_PARAMETER', message: /256/ })
  await t.rejects(node.shards.encode(root, { outDir: 'relative/dir' }), { code: 'INVALID_PARAMETER', message: /absolute/ })
  await t.rejects(node.shards.encode(root, { outDir: out, params: { segmentSize: 100 } }), { code: 'INVALID_PARAMETER' })
  t.notOk(await stat(out).catch(() => false), 'nothing was written for rejected parameters')
  const { manifestCid } = await node.shards.encode(root, { outDir: out, params: small })
  t.equal((await readdir(out)).filter(f => f.endsWith('.partial')).length, 0)
  await t.rejects(node.shards.decode(manifestCid, { fromDir: join(out, 'nope') }), { code: 'NOT_ENOUGH_SHARDS' })
  await t.rejects(node.shards.manifest(root), { code: 'MANIFEST_INVALID' }, 'a file is not a manifest')
})
