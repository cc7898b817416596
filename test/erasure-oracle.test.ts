// Parity must be byte-identical to klauspost/reedsolomon, as produced by the WASM oracle.
import t from 'tap'
import { oracleParity } from './helpers/erasure-oracle.js'
import { backends, equal, makePieces, nativeLevels, rng } from './helpers/erasure-backends.js'

const SIZES = [1, 7, 15, 31, 63, 65, 1000, 4097]
const CODES: Array<[number, number]> = [
  [10, 20], [4, 2], [1, 0], [1, 5], [17, 3], [200, 56], [1, 1], [2, 1], [3, 3], [5, 3],
  [10, 4], [6, 6], [12, 4], [16, 16], [20, 10], [24, 6], [32, 32], [64, 64], [100, 28], [255, 1], [1, 255], [128, 128]
]

t.test('native addon presence', async t => {
  if (process.env.BTFS_TS_REQUIRE_NATIVE === '1') {
    t.ok(nativeLevels().length > 0, 'native addon is built and loads')
  } else {
    t.pass(`native levels here: ${nativeLevels().join(', ') || 'none (portable only)'}`)
  }
})

for (const b of backends()) {
  t.test(`${b.name}: parity equals the oracle`, async t => {
    const rand = rng(0xC0DE + b.name.length)
    let checked = 0
    for (const [k, m] of CODES) {
      const codec = b.create(k, m)
      const sizes = k + m > 64 ? [1, 63, 65, 1000] : SIZES
      for (const size of sizes) {
        const { data, parity } = makePieces(rand, k, m, size)
        codec.encode(data, parity)
        if (m === 0) continue // the oracle panics on m = 0; nothing to compare
        const want = oracleParity(data, m)
        const bad = want.findIndex((p, i) => !equal(p, parity[i]))
        if (bad >= 0) t.fail(`${k}+${m} size ${size}: parity ${bad} differs`)
        checked++
      }
    }
    t.ok(checked > 100, `${checked} (k, m, size) cases byte-identical`)
  })
}

t.test('native and portable agree on large odd sizes and unaligned pieces', async t => {
  const all = backends()
  const rand = rng(99)
  for (const [k, m, size] of [[10, 20, 65536 + 13], [17, 3, 1 << 17], [4, 2, 1048576 + 5]]) {
    const ref = all[all.length - 2].create(k, m) // portable/js
    const { data } = makePieces(rand, k, m, size)
    const expected = Array.from({ length: m }, () => new Uint8Array(size))
    ref.encode(data, expected)
    for (const b of all.slice(0, -2)) {
      // pieces at odd offsets inside one shared buffer
      const arena = new Uint8Array((k + m) * (size + 3) + 1)
      const view = (i: number): Uint8Array => arena.subarray(1 + i * (size + 3), 1 + i * (size + 3) + size)
      const d = data.map((p, i) => { const v = view(i); v.set(p); return v })
      const p = Array.from({ length: m }, (_, i) => view(k + i))
      b.create(k, m).encode(d, p)
      t.ok(p.every((x, i) => equal(x, expected[i])), `${b.name} ${k}+${m} size ${size}`)
    }
  }
})
