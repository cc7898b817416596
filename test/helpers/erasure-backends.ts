/** Every implementation the suite checks: native at each SIMD level this CPU has, portable. */
import { ReedSolomonCodec } from '../../src/erasure/codec.js'
import { loadCodec, SIMD_LEVELS, type ErasureCodec } from '../../src/erasure/index.js'
import { portableTableKernel } from '../../src/erasure/portable.js'

export interface Backend { name: string, create: (k: number, m: number) => ErasureCodec }

/** Native levels usable here (empty when the addon is not built). */
export function nativeLevels (): string[] {
  if (loadCodec({ mode: 'auto' }).kind !== 'native') return []
  return SIMD_LEVELS.filter(l => loadCodec({ simd: l }).simd === l)
}

export function backends (): Backend[] {
  const list: Backend[] = nativeLevels().map(l => ({
    name: `native/${l}`, create: (k, m) => loadCodec({ simd: l }).createCodec(k, m)
  }))
  list.push({ name: 'portable/js', create: (k, m) => loadCodec({ mode: 'portable' }).createCodec(k, m) })
  list.push({ name: 'portable/js-table', create: (k, m) => new ReedSolomonCodec(k, m, portableTableKernel, 'portable') })
  return list
}

/** Deterministic PRNG (xorshift32) so failures reproduce. */
export function rng (seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1
  return (n: number) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      s ^= s << 13; s ^= s >>> 17; s ^= s << 5
      out[i] = s & 255
    }
    return out
  }
}

/** k random data pieces of `size` bytes and m zeroed parity pieces. */
export function makePieces (rand: (n: number) => Uint8Array, k: number, m: number, size: number): { data: Uint8Array[], parity: Uint8Array[] } {
  return {
    data: Array.from({ length: k }, () => rand(size)),
    parity: Array.from({ length: m }, () => new Uint8Array(size))
  }
}

/** All subsets of {0..n-1} with at most `max` elements. */
export function subsets (n: number, max: number): number[][] {
  const out: number[][] = []
  const walk = (start: number, cur: number[]): void => {
    out.push(cur)
    if (cur.length === max) return
    for (let i = start; i < n; i++) walk(i + 1, [...cur, i])
  }
  walk(0, [])
  return out
}

export const equal = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && Buffer.compare(a, b) === 0
