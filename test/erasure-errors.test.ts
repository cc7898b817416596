// Errors: stable classes, names and codes; bad input never crashes the process.
import t from 'tap'
import {
  createCodec, EmptyInputError, ErasureError, ErasureParameterError, TooFewPiecesError,
  UnequalPieceSizesError
} from '../src/erasure/index.js'
import { backends } from './helpers/erasure-backends.js'

const u8 = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill)

t.test('bad parameters', async t => {
  for (const [k, m] of [[0, 1], [1, -1], [200, 57], [257, 0], [1.5, 2], [NaN, 1], [2, Infinity]]) {
    t.throws(() => createCodec(k, m), { name: 'ErasureParameterError', code: 'ERASURE_BAD_PARAMETERS' }, `${k}+${m}`)
  }
  t.ok(createCodec(1, 0) !== undefined && createCodec(256, 0) !== undefined && createCodec(1, 255) !== undefined)
})

for (const b of backends()) {
  t.test(`${b.name}: input errors`, async t => {
    const c = b.create(4, 2)
    const data = [u8(8), u8(8), u8(8), u8(8)]
    const parity = [u8(8), u8(8)]
    t.throws(() => c.encode([u8(0), u8(0), u8(0), u8(0)], [u8(0), u8(0)]), EmptyInputError, 'empty encode')
    t.throws(() => c.encode([u8(0), u8(0), u8(0), u8(0)], [u8(0), u8(0)]), { name: 'EmptyInputError', code: 'ERASURE_EMPTY_INPUT' })
    t.throws(() => b.create(3, 0).encode([u8(0), u8(0), u8(0)], []), EmptyInputError, 'empty encode m=0')
    t.throws(() => c.encode(data.slice(0, 3), parity), ErasureParameterError, 'too few data pieces')
    t.throws(() => c.encode(data, parity.slice(0, 1)), ErasureParameterError, 'too few parity pieces')
    t.throws(() => c.encode([u8(8), u8(9), u8(8), u8(8)], parity), UnequalPieceSizesError, 'unequal data')
    t.throws(() => c.encode(data, [u8(8), u8(7)]), UnequalPieceSizesError, 'unequal parity')
    t.throws(() => c.encode([u8(8), 'x' as unknown as Uint8Array, u8(8), u8(8)], parity), ErasureParameterError, 'not a Uint8Array')
    t.throws(() => c.encode(data, [data[0], u8(8)]), ErasureParameterError, 'parity aliases data')
    const arena = u8(64)
    t.throws(() => c.encode(data, [arena.subarray(0, 8), arena.subarray(4, 12)]), ErasureParameterError, 'parity pieces overlap')
    c.encode(data, [arena.subarray(0, 8), arena.subarray(8, 16)]) // adjacent is fine

    const pieces = (): Array<Uint8Array | undefined> => [...data.map(p => p.slice()), ...parity.map(p => p.slice())]
    t.throws(() => c.reconstruct(pieces(), [true, true, true, false, false, false]), TooFewPiecesError)
    t.throws(() => c.reconstruct(pieces(), [true, true, true, false, false, false]), { name: 'TooFewPiecesError', code: 'ERASURE_TOO_FEW_PIECES', present: 3, needed: 4 })
    t.throws(() => c.reconstruct(pieces().slice(0, 5), [true, true, true, true, true]), ErasureParameterError, 'wrong piece count')
    t.throws(() => c.reconstruct(pieces(), [true, true, true, true, true]), ErasureParameterError, 'wrong flag count')
    t.throws(() => c.reconstruct([u8(0), u8(0), u8(0), u8(0), undefined, undefined], [true, true, true, true, false, false]), EmptyInputError, 'empty reconstruct')
    t.throws(() => c.reconstruct([u8(8), u8(8), u8(8), u8(5), undefined, undefined], [true, true, true, true, false, false]), UnequalPieceSizesError)
    t.throws(() => c.reconstruct([u8(8), u8(8), u8(8), u8(8), u8(9), undefined], [true, true, true, true, false, false]), UnequalPieceSizesError, 'output buffer of wrong size')
    t.throws(() => c.reconstruct([u8(8), undefined, u8(8), u8(8), u8(8), undefined], [true, true, true, true, true, false]), ErasureParameterError, 'present but undefined')
    t.throws(() => c.reconstruct(pieces(), [true, true, true, true, false, false], [6]), ErasureParameterError, 'want index out of range')
    t.throws(() => c.reconstruct(pieces(), [true, true, true, true, false, false], [0.5]), ErasureParameterError, 'want index not integer')
    const p = pieces(); p[5] = p[0]
    t.throws(() => c.reconstruct(p, [true, true, true, true, false, false]), ErasureParameterError, 'output aliases input')
    const ok = pieces()
    c.reconstruct(ok, [true, true, true, true, true, true]) // nothing missing: no-op
    c.reconstruct(ok, [true, true, true, true, false, false], [0, 1]) // wanted pieces present: no-op
    t.pass('no-op reconstructs')
  })
}

t.test('error classes', async t => {
  const e = new TooFewPiecesError(2, 3)
  t.ok(e instanceof ErasureError && e instanceof Error)
  t.equal(e.name, 'TooFewPiecesError')
  t.equal(TooFewPiecesError.name, 'TooFewPiecesError')
  t.equal(new EmptyInputError().code, 'ERASURE_EMPTY_INPUT')
  t.equal(new UnequalPieceSizesError('x').code, 'ERASURE_UNEQUAL_SIZES')
})
