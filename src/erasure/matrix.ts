/** Dense matrices over GF(2^8), row-major in a Uint8Array. */
import { gfInv, gfMul, gfPow } from './gf.js'

export interface Matrix {
  readonly rows: number
  readonly cols: number
  readonly data: Uint8Array // rows * cols, row-major
}

/** New zero matrix. */
export function matrix (rows: number, cols: number): Matrix {
  return { rows, cols, data: new Uint8Array(rows * cols) }
}

/** Vandermonde matrix: entry (r, c) = r^c (with 0^0 = 1). */
export function vandermonde (rows: number, cols: number): Matrix {
  const m = matrix(rows, cols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) m.data[r * cols + c] = gfPow(r, c)
  }
  return m
}

/** a × b; throws if the inner dimensions differ. */
export function multiply (a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError('matrix dimensions do not match')
  const out = matrix(a.rows, b.cols)
  for (let r = 0; r < a.rows; r++) {
    for (let c = 0; c < b.cols; c++) {
      let v = 0
      for (let i = 0; i < a.cols; i++) v ^= gfMul(a.data[r * a.cols + i], b.data[i * b.cols + c])
      out.data[r * b.cols + c] = v
    }
  }
  return out
}

/** The matrix made of rows `rows` of m, in that order. */
export function selectRows (m: Matrix, rows: readonly number[]): Matrix {
  const out = matrix(rows.length, m.cols)
  rows.forEach((r, i) => out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols))
  return out
}

/** Inverse of a square matrix by Gauss-Jordan elimination; throws if singular. */
export function invert (m: Matrix): Matrix {
  const n = m.rows
  if (m.cols !== n) throw new RangeError('only square matrices can be inverted')
  const w = 2 * n // work matrix [m | I]
  const a = new Uint8Array(n * w)
  for (let r = 0; r < n; r++) {
    a.set(m.data.subarray(r * n, (r + 1) * n), r * w)
    a[r * w + n + r] = 1
  }
  for (let col = 0; col < n; col++) {
    let pivot = col
    while (pivot < n && a[pivot * w + col] === 0) pivot++
    if (pivot === n) throw new RangeError('matrix is singular')
    if (pivot !== col) {
      const tmp = a.slice(pivot * w, (pivot + 1) * w)
      a.copyWithin(pivot * w, col * w, (col + 1) * w)
      a.set(tmp, col * w)
    }
    const scale = gfInv(a[col * w + col])
    for (let c = 0; c < w; c++) a[col * w + c] = gfMul(a[col * w + c], scale)
    for (let r = 0; r < n; r++) {
      const f = a[r * w + col]
      if (r === col || f === 0) continue
      for (let c = 0; c < w; c++) a[r * w + c] ^= gfMul(f, a[col * w + c])
    }
  }
  const out = matrix(n, n)
  for (let r = 0; r < n; r++) out.data.set(a.subarray(r * w + n, (r + 1) * w), r * n)
  return out
}

/**
 * The (k+m) × k systematic encoding matrix of klauspost/reedsolomon and Backblaze
 * JavaReedSolomon: Vandermonde(k+m, k) times the inverse of its top k×k square, so
 * the top k rows are the identity and rows k..k+m-1 produce the parity pieces.
 */
export function encodingMatrix (k: number, m: number): Matrix {
  const v = vandermonde(k + m, k)
  const top = selectRows(v, Array.from({ length: k }, (_, i) => i))
  return multiply(v, invert(top))
}
