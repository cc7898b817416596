/**
 * Reed-Solomon erasure coding, parity byte-identical to klauspost/reedsolomon.
 *
 *   const codec = createCodec(10, 20)      // native SIMD if available, else portable
 *   codec.encode(data, parity)
 *   codec.reconstruct(pieces, present)
 *
 * Environment: BTFS_TS_ERASURE=portable|native|auto (default auto) picks the backend;
 * BTFS_TS_ERASURE_SIMD=<level> caps the native kernel (gfni512, avx512, gfni256, avx2,
 * ssse3, neon, scalar); BTFS_TS_NATIVE_ADDON=<path> points at another .node build.
 */
import { ReedSolomonCodec, checkParameters } from './codec.js'
import { ErasureParameterError, NativeUnavailableError } from './errors.js'
import { loadErasureAddon, nativeKernel, pickLevel } from './native.js'
import { portableKernel } from './portable.js'
import type { ErasureBackend, GfKernel } from './interface.js'

export * from './errors.js'
export type { ErasureBackend, ErasureCodec, GfKernel } from './interface.js'
export { SIMD_LEVELS } from './native.js'
export { encodingMatrix } from './matrix.js'

export interface LoadOptions {
  /** "auto" (native, else portable), "native" (throw if unavailable) or "portable". */
  mode?: 'auto' | 'native' | 'portable'
  /** Highest native SIMD level to use (see SIMD_LEVELS); default: the best the CPU has. */
  simd?: string
}

function backend<P> (kind: 'native' | 'portable', kernel: GfKernel<P>, fallbackReason?: string): ErasureBackend {
  return {
    kind,
    simd: kernel.name,
    ...(fallbackReason !== undefined ? { fallbackReason } : {}),
    createCodec: (k, m) => new ReedSolomonCodec(k, m, kernel, kind)
  }
}

const cache = new Map<string, ErasureBackend>()

/**
 * The backend to create codecs with: the native addon at the best (or requested) SIMD
 * level, falling back to the portable TypeScript kernel when the addon cannot load (the
 * reason is in fallbackReason). Options override the environment variables. Memoized.
 * Throws NativeUnavailableError only in mode "native"; ErasureParameterError on a bad
 * mode or SIMD level name.
 */
export function loadCodec (options: LoadOptions = {}): ErasureBackend {
  const mode = options.mode ?? (process.env.BTFS_TS_ERASURE || 'auto')
  const simd = options.simd ?? process.env.BTFS_TS_ERASURE_SIMD
  if (mode !== 'auto' && mode !== 'native' && mode !== 'portable') {
    throw new ErasureParameterError(`BTFS_TS_ERASURE must be auto, native or portable, not "${mode}"`)
  }
  const key = `${mode}:${simd ?? ''}:${process.env.BTFS_TS_NATIVE_ADDON ?? ''}`
  let b = cache.get(key)
  if (b === undefined) {
    b = pick(mode, simd)
    cache.set(key, b)
  }
  return b
}

function pick (mode: 'auto' | 'native' | 'portable', simd: string | undefined): ErasureBackend {
  if (mode === 'portable') return backend('portable', portableKernel, 'forced by BTFS_TS_ERASURE=portable or options')
  let addon
  try {
    addon = loadErasureAddon()
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    if (mode === 'native') throw new NativeUnavailableError(reason, err)
    return backend('portable', portableKernel, reason)
  }
  let level
  try {
    level = pickLevel(addon, simd)
  } catch (err) {
    throw new ErasureParameterError((err as Error).message)
  }
  return backend('native', nativeKernel(addon, level))
}

/** createCodec(k, m) = loadCodec(options).createCodec(k, m); throws ErasureParameterError on bad k/m. */
export function createCodec (k: number, m: number, options?: LoadOptions): ReturnType<ErasureBackend['createCodec']> {
  checkParameters(k, m)
  return loadCodec(options).createCodec(k, m)
}
