/** GF(2^8) arithmetic with the polynomial x^8+x^4+x^3+x^2+1 (0x11D), generator 2. */
export const GF_POLY = 0x11d

/** EXP[i] = 2^i for 0 <= i < 510 (doubled so EXP[LOG[a] + LOG[b]] needs no modulo). */
export const EXP = new Uint8Array(510)
/** LOG[a] = discrete log of a for a != 0; LOG[0] is unused (0). */
export const LOG = new Uint8Array(256)
/** MUL[(a << 8) | b] = a * b; MUL.subarray(a << 8, (a + 1) << 8) is the row of a. */
export const MUL = new Uint8Array(65536)

{
  let x = 1
  for (let i = 0; i < 255; i++) {
    EXP[i] = x
    LOG[x] = i
    x <<= 1
    if (x & 0x100) x ^= GF_POLY
  }
  for (let i = 255; i < 510; i++) EXP[i] = EXP[i - 255]
  for (let a = 1; a < 256; a++) {
    for (let b = 1; b < 256; b++) MUL[(a << 8) | b] = EXP[LOG[a] + LOG[b]]
  }
}

/** a * b in GF(2^8); a and b are integers in 0..255. */
export function gfMul (a: number, b: number): number {
  return MUL[(a << 8) | b]
}

/** Multiplicative inverse of a (1..255); throws on 0. */
export function gfInv (a: number): number {
  if (a === 0) throw new RangeError('GF(2^8): 0 has no inverse')
  return EXP[255 - LOG[a]]
}

/**
 * a^n as the Backblaze/klauspost Vandermonde construction defines it:
 * x^0 = 1 for every x (including 0), 0^n = 0 for n > 0.
 */
export function gfPow (a: number, n: number): number {
  if (n === 0) return 1
  if (a === 0) return 0
  return EXP[(LOG[a] * n) % 255]
}
