import t from 'tap'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestNode, pseudoRandomBytes, chunks, collect } from './helpers/node.js'
import { resolveImportParams } from '../src/unixfs/params.js'

const defaults = { cidVersion: 1 as const, rawLeaves: true, chunker: 'size-262144' }
const v1 = resolveImportParams({}, defaults)
const v0 = resolveImportParams({ cidVersion: 0 }, defaults)

/**
 * kubo-default (`ipfs add`, CIDv0) CIDs of pseudoRandomBytes(size, seed), computed with Debian's
 * `ipfs_cid` (ipfs-cid 0.0~git20200813, an independent Rust implementation of kubo's importer).
 * 174 and 175 chunks straddle the first extra DAG level.
 */
const kuboVectors: Array<[number, number, string]> = [
  [0, 1, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'],
  [1, 2, 'QmXaWGWz3L5UjYR8zwQCMGgYarAzg1VwnxN8RHaGxbesJ9'],
  [262143, 3, 'QmQSAtThwaLGQsssYGUsXmauaoe9WVHEPCivq7Zo7ACddk'],
  [262144, 4, 'QmVQY3w9RN9j4PPVehuGkhtKUVSYnFMhTDXmgeC4VuKg3M'],
  [262145, 5, 'QmeAq6Jo7K5FPFohVxfVSn9Z3Q2RVj1BUZTRfc2BQBeb9S'],
  [1048576, 8, 'QmUbzSNhK8KxPWkEtGvEWm1Guh3Qxo7GCeRsRVXhwmAYAL'],
  [174 * 262144, 6, 'QmUQL4pkfMvqfn5yxqsNgX6axE8Dm5fJ9dEiGM4LFRh85S'],
  [174 * 262144 + 1, 7, 'QmY7DnxngeCdNTihpBsycjXCKDAqtfwo161HnF3m8sHfUC']
]

t.test('hello world: the vectors of kubo', async t => {
  const node = await startTestNode(t)
  const hello = new TextEncoder().encode('hello world\n')
  const a = await node.files.add(chunks(hello), { params: v0, pin: true })
  t.equal(a.cid.toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
  t.equal(a.dagSize, 20)
  const b = await node.files.add(chunks(hello), { params: v1, pin: true })
  t.equal(b.cid.toString(), 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4')
  const empty = await node.files.add(chunks(new Uint8Array(0)), { params: v1, pin: true })
  t.equal(empty.cid.toString(), 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'empty file, CIDv1 raw (sha-256 of nothing)')
})

t.test('CIDv0 matches kubo at chunk boundaries and across DAG levels', async t => {
  const node = await startTestNode(t)
  for (const [size, seed, expected] of kuboVectors) {
    const data = pseudoRandomBytes(size, seed)
    const added = await node.files.add(chunks(data, 100003), { params: v0, pin: true })
    t.equal(added.cid.toString(), expected, `${size} bytes`)
    t.ok(Buffer.from(data).equals(await collect((await node.files.open({ cid: added.cid, segments: [] })).read())), `${size} bytes read back`)
  }
})

t.test('CIDv1 multi-level files round-trip and read any range', async t => {
  const node = await startTestNode(t)
  const data = pseudoRandomBytes(256 * 1024 * 180 + 12345, 7)
  const added = await node.files.add(chunks(data, 100000), { params: v1, pin: true })
  t.match(added.cid.toString(), /^bafybei/)
  const file = await node.files.open({ cid: added.cid, segments: [] })
  t.equal(file.size, data.length)
  t.ok(Buffer.from(data).equals(await collect(file.read())))
  for (const [offset, length] of [[0, 1], [262143, 2], [262144 * 174 - 5, 10], [data.length - 1, 5], [100, 0]] as const) {
    const part = await collect(file.read({ offset, length }))
    t.ok(Buffer.from(data.subarray(offset, offset + length)).equals(part), `range ${offset}+${length}`)
  }
})

function ipfsCid (): string | undefined {
  try {
    execFileSync('ipfs_cid', ['/dev/null'], { stdio: 'ignore' })
    return 'ipfs_cid'
  } catch {
    return undefined
  }
}

t.test('random sizes agree with the independent ipfs_cid, when it is installed', { skip: ipfsCid() === undefined ? 'ipfs_cid not installed (apt-get install ipfs-cid; .ci/run does)' : false }, async t => {
  const node = await startTestNode(t)
  const dir = node.repo.paths.root
  const seed = Date.now() % 100000
  for (let i = 0; i < 6; i++) {
    const size = Math.floor(pseudoRandomBytes(4, seed + i).reduce((a, b) => a * 256 + b, 0) % (60 * 262144))
    const data = pseudoRandomBytes(size, seed + i)
    writeFileSync(join(dir, 'f'), data)
    const expected = JSON.parse(execFileSync('ipfs_cid', [join(dir, 'f')], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()).CIDv0
    const added = await node.files.add(chunks(data, 65536), { params: v0, pin: false })
    t.equal(added.cid.toString(), expected, `size ${size} (seed ${seed + i})`)
  }
})

t.test('sizes between 2 and 4 GiB are encoded as kubo encodes them', async t => {
  // protons-runtime writes uint64 values in [2^31, 2^32) as one byte of a five-byte varint,
  // leaving uninitialised memory in the block (patches/protons-runtime+7.1.2.patch fixes it)
  const { UnixFS } = await import('ipfs-unixfs')
  for (const size of [2n ** 31n, 3000000000n, 2n ** 32n - 1n]) {
    const node = UnixFS.unmarshal(new UnixFS({ type: 'file', blockSizes: [size] }).marshal())
    t.equal(node.blockSizes[0], size, `blockSizes ${size} round-trips`)
  }
  const node = await startTestNode(t)
  const zeros = async function * (total: number): AsyncGenerator<Uint8Array> {
    const piece = new Uint8Array(4 * 1024 * 1024)
    for (let sent = 0; sent < total; sent += piece.length) yield piece.subarray(0, Math.min(piece.length, total - sent))
  }
  // CIDs from Debian's ipfs_cid of `head -c N /dev/zero`
  for (const [size, expected] of [[2 ** 31, 'QmTbKT35oQzKgR34LUHaPdtrFrphjxiQJLrz6QMyU4kQNC'], [3 * 2 ** 30, 'QmWgq5SPSUwwAWZ5DoyEavDPgojLvFtHEofKMRopvTWqT9']] as const) {
    const added = await node.files.add(zeros(size), { params: v0, pin: false })
    t.equal(added.cid.toString(), expected, `${size / 2 ** 30} GiB of zeros`)
    t.equal((await node.files.open({ cid: added.cid, segments: [] })).size, size)
  }
})
