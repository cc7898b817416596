import t from 'tap'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { newFileSecrets, openSegment, segmentNonce, SegmentSealer, tagLength } from '../src/shards/cipher.js'
import { ShardLayout } from '../src/shards/layout.js'
import { sealFileKey, unsealFileKey } from '../src/shards/keys.js'
import { pseudoRandomBytes } from './helpers/node.js'

function seal (key: Uint8Array, fileId: Uint8Array, index: number, last: boolean, plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain.length + tagLength)
  const sealer = new SegmentSealer({ key, fileId, index, last }, out)
  sealer.update(plain.subarray(0, 100))
  sealer.update(plain.subarray(100))
  t.equal(sealer.final(), plain.length + tagLength)
  return out
}

t.test('segments round-trip, and every kind of tampering is refused', async t => {
  const { key, fileId } = newFileSecrets()
  const other = newFileSecrets()
  const plain = [pseudoRandomBytes(300000, 1), pseudoRandomBytes(300000, 2), pseudoRandomBytes(1234, 3)]
  const sealed = plain.map((p, i) => seal(key, fileId, i, i === 2, p))
  plain.forEach((p, i) => { t.ok(Buffer.concat(openSegment({ key, fileId, index: i, last: i === 2 }, sealed[i] as Uint8Array)).equals(Buffer.from(p)), `segment ${i}`) })
  t.equal(Buffer.concat(openSegment({ key, fileId, index: 0, last: true }, seal(key, fileId, 0, true, new Uint8Array(0)))).length, 0, 'an empty segment')

  const refused = (what: string, ctx: { key?: Uint8Array, fileId?: Uint8Array, index: number, last: boolean }, bytes: Uint8Array): void => {
    t.throws(() => openSegment({ key: ctx.key ?? key, fileId: ctx.fileId ?? fileId, index: ctx.index, last: ctx.last }, bytes), { code: 'SEGMENT_AUTH_FAILED' }, what)
  }
  for (const at of [0, 1000, 299999, 300000 + 5]) {
    const flipped = Uint8Array.from(sealed[0] as Uint8Array)
    flipped[at] = (flipped[at] as number) ^ 0x01
    refused(`a bit flipped at ${at} (data or tag)`, { index: 0, last: false }, flipped)
  }
  refused('segments reordered', { index: 0, last: false }, sealed[1] as Uint8Array)
  refused('a middle segment presented as the last (truncated file)', { index: 1, last: true }, sealed[1] as Uint8Array)
  refused('the last segment presented as a middle one (appended data)', { index: 2, last: false }, sealed[2] as Uint8Array)
  refused('a segment of another file with the same key', { fileId: other.fileId, index: 0, last: false }, sealed[0] as Uint8Array)
  refused('the wrong key', { key: other.key, index: 0, last: false }, sealed[0] as Uint8Array)
  refused('cut short', { index: 0, last: false }, (sealed[0] as Uint8Array).subarray(0, 5000))
  refused('shorter than a tag', { index: 0, last: false }, new Uint8Array(10))
  t.not(segmentNonce(1).toString('hex'), segmentNonce(2).toString('hex'), 'nonces differ per segment')
  t.equal(segmentNonce(2 ** 40).length, 12)
})

t.test('layout: segments, pieces and shard sizes', async t => {
  const S = 1 << 20
  const cases: Array<[number, number, number[]]> = [
    [0, 10, [0]],
    [1, 10, [1]],
    [S - 1, 10, [S - 1]],
    [S, 10, [S]],
    [S + 1, 10, [S, 1]],
    [3 * S + 7, 4, [S, S, S, 7]]
  ]
  for (const [size, k, plains] of cases) {
    const layout = new ShardLayout(size, S, k)
    const segments = [...layout.segments()]
    t.same(segments.map(s => s.plainSize), plains, `${size} bytes, k=${k}`)
    t.ok(segments.every((s, i) => s.last === (i === segments.length - 1)))
    t.ok(segments.every(s => s.pieceSize === Math.ceil((s.plainSize + 16) / k) && s.pieceSize * k >= s.sealedSize))
    t.equal(layout.shardSize, segments.reduce((n, s) => n + s.pieceSize, 0))
    segments.forEach((s, i) => { if (i > 0) t.equal(s.shardOffset, (segments[i - 1] as typeof s).shardOffset + (segments[i - 1] as typeof s).pieceSize) })
  }
  t.throws(() => new ShardLayout(10, S, 2).segment(1), RangeError)
})

t.test('file keys are sealed to the repo secret and bound to the file', async t => {
  const secret = randomBytes(32)
  const { key, fileId } = newFileSecrets()
  const root = CID.parse('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4').bytes
  const sealed = sealFileKey(secret, key, fileId, root)
  t.equal(sealed.length, 60)
  t.ok(Buffer.from(unsealFileKey(secret, sealed, fileId, root)).equals(Buffer.from(key)))
  t.throws(() => unsealFileKey(randomBytes(32), sealed, fileId, root), { code: 'FILE_KEY_UNAVAILABLE' }, 'another repo cannot open it')
  t.throws(() => unsealFileKey(secret, sealed, newFileSecrets().fileId, root), { code: 'FILE_KEY_UNAVAILABLE' }, 'bound to the file id')
  t.throws(() => unsealFileKey(secret, sealed, fileId, CID.parse('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o').bytes), { code: 'FILE_KEY_UNAVAILABLE' }, 'bound to the root CID')
  t.throws(() => unsealFileKey(secret, sealed.subarray(1), fileId, root), { code: 'MANIFEST_INVALID' })
  t.not(Buffer.from(sealFileKey(secret, key, fileId, root)).toString('hex'), Buffer.from(sealed).toString('hex'), 'random nonce: sealing twice differs')
})
