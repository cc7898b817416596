// loadCodec(): backend choice, env overrides, fallback, and the raw addon's argument checks.
import t from 'tap'
import { loadCodec, NativeUnavailableError, ErasureParameterError, SIMD_LEVELS } from '../src/erasure/index.js'
import { addonPath } from '../src/native/addon.js'
import { loadErasureAddon as loadAddon } from '../src/erasure/native.js'
import { nativeLevels } from './helpers/erasure-backends.js'

function withEnv<T> (vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map(k => [k, process.env[k]]))
  for (const [k, v] of Object.entries(vars)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  try { return fn() } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  }
}

t.test('BTFS_TS_ERASURE=portable forces the fallback', async t => {
  const b = withEnv({ BTFS_TS_ERASURE: 'portable' }, () => loadCodec())
  t.equal(b.kind, 'portable')
  t.equal(b.simd, 'js')
  t.match(b.fallbackReason, /forced/)
  t.equal(b.createCodec(4, 2).name, 'portable/js')
})

t.test('a missing addon falls back, or throws when native is required', async t => {
  const env = { BTFS_TS_NATIVE_ADDON: '/nonexistent/btfs_native.node', BTFS_TS_ERASURE: undefined }
  const b = withEnv(env, () => loadCodec())
  t.equal(b.kind, 'portable')
  t.match(b.fallbackReason, /nonexistent|Cannot find/)
  t.throws(() => withEnv(env, () => loadCodec({ mode: 'native' })), NativeUnavailableError)
  t.throws(() => withEnv({ BTFS_TS_ERASURE: 'fast' }, () => loadCodec()), ErasureParameterError)
})

t.test('native backend and SIMD levels', { skip: nativeLevels().length === 0 ? 'addon not built' : false }, async t => {
  const best = loadCodec({ mode: 'auto' })
  t.equal(best.kind, 'native')
  t.equal(best.simd, nativeLevels()[0], 'the strongest level is the default')
  t.equal(withEnv({ BTFS_TS_ERASURE_SIMD: 'scalar' }, () => loadCodec()).simd, 'scalar', 'env caps the level')
  t.equal(loadCodec({ simd: 'ssse3' }).createCodec(2, 1).name, nativeLevels().includes('ssse3') ? 'native/ssse3' : 'native/scalar')
  t.throws(() => loadCodec({ simd: 'sse9' }), ErasureParameterError)
  t.ok(SIMD_LEVELS.includes(best.simd as typeof SIMD_LEVELS[number]))
  t.ok(addonPath())
})

t.test('the raw addon rejects bad arguments with exceptions, never a crash', { skip: nativeLevels().length === 0 ? 'addon not built' : false }, async t => {
  const a = loadAddon()
  const lvl = a.levels()[0]
  const bad = (fn: () => unknown, what: string): void => { t.throws(fn, { code: 'ERR_ERASURE_NATIVE_ARGS' }, what) }
  const any = (x: unknown): never => x as never
  bad(() => a.prepare(new Uint8Array(6), 2, 2, lvl), 'coeff count')
  bad(() => a.prepare(new Uint8Array(4), 0, 4, lvl), 'zero rows')
  bad(() => a.prepare(new Uint8Array(4), 2, 2, 'nope'), 'unknown level')
  bad(() => a.prepare(any([1, 2, 3, 4]), 2, 2, lvl), 'coeffs not a Uint8Array')
  const loose = a as unknown as Record<string, (...args: unknown[]) => unknown>
  bad(() => loose.prepare(new Uint8Array(4), 2), 'missing arguments')
  bad(() => loose.apply(new ArrayBuffer(64)), 'apply: missing arguments')
  const p = a.prepare(new Uint8Array([1, 2, 3, 4]), 2, 2, lvl)
  const x = [new Uint8Array(8), new Uint8Array(8)]
  const y = [new Uint8Array(8), new Uint8Array(8)]
  a.apply(p, x, y)
  bad(() => a.apply(p, x.slice(0, 1), y), 'input count')
  bad(() => a.apply(p, x, [y[0]]), 'output count')
  bad(() => a.apply(p, [x[0], new Uint8Array(7)], y), 'unequal input')
  bad(() => a.apply(p, x, [y[0], new Uint8Array(9)]), 'unequal output')
  bad(() => a.apply(p, x, [y[0], any(new Uint16Array(4))]), 'wrong typed array type')
  bad(() => a.apply(p, any('x'), y), 'inputs not an array')
  bad(() => a.apply(new ArrayBuffer(64), x, y), 'corrupt prepared buffer')
  bad(() => a.apply(p.slice(0, 70), x, y), 'truncated prepared buffer')
  a.apply(p, [new Uint8Array(0), new Uint8Array(0)], [new Uint8Array(0), new Uint8Array(0)])
  t.pass('zero-length apply is a no-op at the addon level')
})
