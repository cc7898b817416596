/** The Reed-Solomon codec logic shared by every kernel: validation, matrices, caches. */
import {
  EmptyInputError, ErasureParameterError, TooFewPiecesError, UnequalPieceSizesError
} from './errors.js'
import { encodingMatrix, invert, multiply, selectRows, type Matrix } from './matrix.js'
import type { ErasureCodec, GfKernel } from './interface.js'

/** Most decode plans (one per erasure pattern) and inverses kept per codec. */
const CACHE_LIMIT = 128

/** Throws ErasureParameterError unless k >= 1, m >= 0, k + m <= 256 (integers). */
export function checkParameters (k: number, m: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(m) || k < 1 || m < 0 || k + m > 256) {
    throw new ErasureParameterError(`need integers k >= 1, m >= 0, k + m <= 256; got k=${k}, m=${m}`)
  }
}

class Lru<V> {
  private readonly map = new Map<string, V>()
  get (key: string): V | undefined {
    const v = this.map.get(key)
    if (v !== undefined) { this.map.delete(key); this.map.set(key, v) }
    return v
  }

  set (key: string, v: V): void {
    this.map.set(key, v)
    if (this.map.size > CACHE_LIMIT) this.map.delete(this.map.keys().next().value as string)
  }
}

function overlap (a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength
}

/** Throws unless no output overlaps an input or another output. */
function checkNoOverlap (inputs: readonly Uint8Array[], outputs: readonly Uint8Array[]): void {
  for (let o = 0; o < outputs.length; o++) {
    const out = outputs[o]
    for (const x of inputs) {
      if (overlap(out, x)) throw new ErasureParameterError('an output piece overlaps an input piece')
    }
    for (let p = o + 1; p < outputs.length; p++) {
      if (overlap(out, outputs[p])) throw new ErasureParameterError('two output pieces overlap')
    }
  }
}

/** Length shared by all pieces; throws on non-Uint8Array, unequal or zero length. */
function commonSize (pieces: readonly unknown[], what: string, size = -1): number {
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]
    if (!(p instanceof Uint8Array)) throw new ErasureParameterError(`${what}[${i}] is not a Uint8Array`)
    if (size < 0) size = p.length
    else if (p.length !== size) {
      throw new UnequalPieceSizesError(`${what}[${i}] is ${p.length} bytes, expected ${size}`)
    }
  }
  if (size === 0) throw new EmptyInputError()
  return size
}

export class ReedSolomonCodec<P> implements ErasureCodec {
  readonly name: string
  readonly dataPieces: number
  readonly parityPieces: number
  readonly totalPieces: number
  private readonly kernel: GfKernel<P>
  private readonly matrix: Matrix
  private readonly parityPlan: P | undefined
  private readonly plans = new Lru<P>()
  private readonly inverses = new Lru<Matrix>()

  /** Codec for k data + m parity pieces running on `kernel`; throws on bad k/m. */
  constructor (k: number, m: number, kernel: GfKernel<P>, backendName: string) {
    checkParameters(k, m)
    this.dataPieces = k
    this.parityPieces = m
    this.totalPieces = k + m
    this.kernel = kernel
    this.name = `${backendName}/${kernel.name}`
    this.matrix = encodingMatrix(k, m)
    this.parityPlan = m > 0 ? kernel.prepare(this.matrix.data.slice(k * k), m, k) : undefined
  }

  encode (data: readonly Uint8Array[], parity: readonly Uint8Array[]): void {
    const { dataPieces: k, parityPieces: m } = this
    if (!Array.isArray(data) || data.length !== k) throw new ErasureParameterError(`expected ${k} data pieces`)
    if (!Array.isArray(parity) || parity.length !== m) throw new ErasureParameterError(`expected ${m} parity pieces`)
    const size = commonSize(data, 'data')
    commonSize(parity, 'parity', size)
    if (this.parityPlan === undefined) return
    checkNoOverlap(data, parity)
    this.kernel.apply(this.parityPlan, data, parity)
  }

  reconstruct (pieces: Array<Uint8Array | undefined>, present: readonly boolean[], wantIndices?: readonly number[]): void {
    const { dataPieces: k, totalPieces: n } = this
    if (!Array.isArray(pieces) || pieces.length !== n) throw new ErasureParameterError(`expected ${n} pieces`)
    if (!Array.isArray(present) || present.length !== n) throw new ErasureParameterError(`expected ${n} present flags`)
    const avail: number[] = []
    for (let i = 0; i < n; i++) if (present[i] === true) avail.push(i)
    if (avail.length < k) throw new TooFewPiecesError(avail.length, k)
    const inputsIdx = avail.slice(0, k)
    let size = -1
    for (const i of avail) {
      const p = pieces[i]
      if (!(p instanceof Uint8Array)) throw new ErasureParameterError(`present[${i}] is true but pieces[${i}] is not a Uint8Array`)
      if (size < 0) size = p.length
      else if (p.length !== size) throw new UnequalPieceSizesError(`pieces[${i}] is ${p.length} bytes, expected ${size}`)
    }
    if (size === 0) throw new EmptyInputError()

    const want = wantIndices ?? Array.from({ length: n }, (_, i) => i)
    const targets: number[] = []
    const seen = new Set<number>()
    for (const t of want) {
      if (!Number.isInteger(t) || t < 0 || t >= n) throw new ErasureParameterError(`want index ${t} is out of range 0..${n - 1}`)
      if (present[t] !== true && !seen.has(t)) { seen.add(t); targets.push(t) }
    }
    if (targets.length === 0) return
    targets.sort((a, b) => a - b)
    for (const t of targets) {
      const p = pieces[t]
      if (p === undefined) continue
      if (!(p instanceof Uint8Array)) throw new ErasureParameterError(`pieces[${t}] is neither undefined nor a Uint8Array`)
      if (p.length !== size) throw new UnequalPieceSizesError(`pieces[${t}] is ${p.length} bytes, expected ${size}`)
    }
    const inputs = inputsIdx.map(i => pieces[i] as Uint8Array)
    const outputs = targets.map(t => (pieces[t] ??= new Uint8Array(size)))
    checkNoOverlap(inputs, outputs)
    this.kernel.apply(this.plan(inputsIdx, targets), inputs, outputs)
  }

  verify (pieces: readonly Uint8Array[]): boolean {
    const { dataPieces: k, parityPieces: m, totalPieces: n } = this
    if (!Array.isArray(pieces) || pieces.length !== n) throw new ErasureParameterError(`expected ${n} pieces`)
    const size = commonSize(pieces, 'pieces')
    if (m === 0) return true
    const parity = Array.from({ length: m }, () => new Uint8Array(size))
    this.encode(pieces.slice(0, k), parity)
    for (let i = 0; i < m; i++) {
      if (Buffer.compare(parity[i], pieces[k + i]) !== 0) return false
    }
    return true
  }

  /**
   * Prepared rows turning the pieces `inputsIdx` (k of them) into the pieces `targets`:
   * with D = inverse of the encoding-matrix rows of the inputs, target t is row t of the
   * encoding matrix times D (for a data piece that is simply row t of D).
   */
  private plan (inputsIdx: readonly number[], targets: readonly number[]): P {
    const inKey = inputsIdx.join(',')
    const key = `${inKey}>${targets.join(',')}`
    let plan = this.plans.get(key)
    if (plan !== undefined) return plan
    let inv = this.inverses.get(inKey)
    if (inv === undefined) {
      inv = invert(selectRows(this.matrix, inputsIdx))
      this.inverses.set(inKey, inv)
    }
    const rows = multiply(selectRows(this.matrix, targets), inv)
    plan = this.kernel.prepare(rows.data, rows.rows, rows.cols)
    this.plans.set(key, plan)
    return plan
  }
}
