/** The erasure kernels of the native addon (native/src/addon.cc), wrapped as a GfKernel. */
import { loadAddon } from '../native/addon.js'
import type { GfKernel } from './interface.js'

/** The addon's exports (see native/src/addon.cc). */
export interface NativeAddon {
  levels(): string[]
  prepare(coeffs: Uint8Array, rows: number, cols: number, level: string): ArrayBuffer
  apply(prepared: ArrayBuffer, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[]): void
}

/** Kernel levels from strongest to weakest, as the addon names them. */
export const SIMD_LEVELS = ['gfni512', 'avx512', 'gfni256', 'avx2', 'ssse3', 'neon', 'scalar'] as const

/** Loads the addon's erasure kernels; throws (plain Error) with a readable reason when it cannot. */
export function loadErasureAddon (): NativeAddon {
  const addon = loadAddon<Partial<NativeAddon>>()
  if (typeof addon.apply !== 'function' || typeof addon.levels !== 'function' || addon.levels().length === 0) {
    throw new Error('the native addon has no erasure kernels')
  }
  return addon as NativeAddon
}

/**
 * Level to use: `wanted` if this CPU supports it, else the strongest supported level below
 * it in SIMD_LEVELS order; the strongest supported level when `wanted` is undefined.
 * Throws on an unknown level name.
 */
export function pickLevel (addon: NativeAddon, wanted?: string): string {
  const supported = new Set(addon.levels())
  let start = 0
  if (wanted !== undefined && wanted !== '') {
    start = SIMD_LEVELS.indexOf(wanted as typeof SIMD_LEVELS[number])
    if (start < 0) throw new Error(`unknown SIMD level "${wanted}" (known: ${SIMD_LEVELS.join(', ')})`)
  }
  for (const l of SIMD_LEVELS.slice(start)) if (supported.has(l)) return l
  return 'scalar'
}

/** GfKernel running the addon at `level` (which the CPU must support). */
export function nativeKernel (addon: NativeAddon, level: string): GfKernel<ArrayBuffer> {
  return {
    name: level,
    prepare: (coeffs, rows, cols) => addon.prepare(coeffs, rows, cols, level),
    apply: (prepared, inputs, outputs) => addon.apply(prepared, inputs, outputs)
  }
}
