// Reconstruction from every erasure pattern of small codes, all-parity decoding, and
// wantIndices, on every backend.
import t, { type Test } from 'tap'
import { backends, equal, makePieces, rng, subsets, type Backend } from './helpers/erasure-backends.js'
import { TooFewPiecesError } from '../src/erasure/index.js'

function roundTrip (t: Test, b: Backend, k: number, m: number, size: number, rand: (n: number) => Uint8Array): void {
  const codec = b.create(k, m)
  const { data, parity } = makePieces(rand, k, m, size)
  codec.encode(data, parity)
  const orig = [...data, ...parity]
  let failures = 0
  for (const lost of subsets(k + m, m)) {
    const pieces: Array<Uint8Array | undefined> = orig.map(p => p.slice())
    const present = orig.map(() => true)
    for (const i of lost) { present[i] = false; pieces[i] = i % 2 === 0 ? undefined : new Uint8Array(size).fill(0xEE) }
    codec.reconstruct(pieces, present)
    if (!pieces.every((p, i) => equal(p, orig[i]))) failures++
  }
  t.equal(failures, 0, `${b.name} ${k}+${m} size ${size}: all ${subsets(k + m, m).length} patterns`)
}

for (const b of backends()) {
  t.test(`${b.name}: every erasure pattern`, async t => {
    const rand = rng(7)
    for (const [k, m] of [[4, 2], [3, 3], [5, 3], [1, 3], [2, 2], [6, 4]]) {
      for (const size of [1, 7, 65, 1000]) roundTrip(t, b, k, m, size, rand)
    }
  })

  t.test(`${b.name}: all-parity reconstruct (k <= m)`, async t => {
    const rand = rng(11)
    for (const [k, m, size] of [[3, 3, 100], [4, 8, 4097], [10, 20, 65537], [1, 5, 1], [16, 16, 31]]) {
      const codec = b.create(k, m)
      const { data, parity } = makePieces(rand, k, m, size)
      codec.encode(data, parity)
      const pieces: Array<Uint8Array | undefined> = [...Array(k).fill(undefined), ...parity.map(p => p.slice())]
      const present = pieces.map((_, i) => i >= k)
      // use the LAST k parity pieces only
      for (let i = k; i < 2 * k && m > k; i++) { present[i] = false; pieces[i] = undefined }
      codec.reconstruct(pieces, present)
      t.ok(pieces.every((p, i) => equal(p, i < k ? data[i] : parity[i - k])), `${k}+${m} size ${size}`)
    }
  })

  t.test(`${b.name}: wantIndices and larger codes`, async t => {
    const rand = rng(13)
    for (const [k, m, size] of [[10, 20, 4097], [17, 3, 1000], [200, 56, 65], [10, 4, 15]]) {
      const codec = b.create(k, m)
      const { data, parity } = makePieces(rand, k, m, size)
      codec.encode(data, parity)
      const orig = [...data, ...parity]
      // lose m pieces spread over data and parity; ask for data only
      const lost = new Set(Array.from({ length: m }, (_, i) => (i * 7 + 3) % (k + m)))
      const pieces: Array<Uint8Array | undefined> = orig.map((p, i) => lost.has(i) ? undefined : p.slice())
      const present = orig.map((_, i) => !lost.has(i))
      const dataIdx = Array.from({ length: k }, (_, i) => i)
      codec.reconstruct(pieces, present, dataIdx)
      t.ok(dataIdx.every(i => equal(pieces[i], orig[i])), `${k}+${m}: data restored`)
      t.ok([...lost].every(i => i < k || pieces[i] === undefined), `${k}+${m}: unwanted parity left alone`)
      codec.reconstruct(pieces, present) // now everything, reusing the cached decode plan
      t.ok(pieces.every((p, i) => equal(p, orig[i])), `${k}+${m}: everything restored`)
      t.throws(() => codec.reconstruct(orig.map(() => undefined), orig.map(() => false)), TooFewPiecesError)
    }
  })

  t.test(`${b.name}: plan cache survives many patterns`, async t => {
    const rand = rng(17)
    const k = 8, m = 4, size = 33
    const codec = b.create(k, m)
    const { data, parity } = makePieces(rand, k, m, size)
    codec.encode(data, parity)
    const orig = [...data, ...parity]
    let ok = 0
    const patterns = subsets(k + m, m) // 794 patterns > cache size
    for (const lost of [...patterns, ...patterns.slice(0, 50)]) {
      const pieces: Array<Uint8Array | undefined> = orig.map((p, i) => lost.includes(i) ? undefined : p)
      codec.reconstruct(pieces, orig.map((_, i) => !lost.includes(i)))
      if (pieces.every((p, i) => equal(p, orig[i]))) ok++
    }
    t.equal(ok, patterns.length + 50)
  })

  t.test(`${b.name}: verify`, async t => {
    const codec = b.create(5, 3)
    const { data, parity } = makePieces(rng(5), 5, 3, 77)
    codec.encode(data, parity)
    t.ok(codec.verify([...data, ...parity]))
    parity[2][76] ^= 1
    t.notOk(codec.verify([...data, ...parity]))
    t.ok(b.create(3, 0).verify(data.slice(0, 3)))
  })
}
