/**
 * Portable GF(2^8) kernel in TypeScript. Multiplying by a constant is linear over GF(2):
 * c·x = XOR of (2^b·x) over the set bits b of c. For each 32-bit word of an input (4 bytes)
 * we compute 2x, 4x, ... once with a SWAR "xtime", and every output row XORs the powers its
 * coefficient selects. The straight-line code for a matrix is generated once per prepared
 * matrix (new Function; only numbers from the matrix are spliced in). Where code generation
 * is disallowed (--disallow-code-generation-from-strings) a product-table loop is used.
 */
import { MUL } from './gf.js'
import type { GfKernel } from './interface.js'

type Block = (I: Int32Array[], O: Int32Array[], s: number, e: number) => void

/** What prepare() returns. */
export interface PortablePlan {
  readonly rows: number
  readonly cols: number
  readonly coeffs: Uint8Array // row-major rows × cols
  readonly blocks: Block[] | undefined // generated code, one per (row group, column group)
}

const WORDS_PER_BLOCK = 1024 // 4 KiB of each input per pass: outputs stay in L1/L2
const MAX_ROWS = 20 // accumulators per generated function
const MAX_COLS = 10 // inputs per generated function (bigger ones optimize badly in V8)

/** Splits n into balanced chunks of at most max: [start, count][]. */
function chunks (n: number, max: number): Array<[number, number]> {
  const parts = Math.ceil(n / max)
  const size = Math.ceil(n / parts)
  const out: Array<[number, number]> = []
  for (let s = 0; s < n; s += size) out.push([s, Math.min(size, n - s)])
  return out
}

/** Source of a Block for rows [r0, r0+g) and inputs [c0, c0+cc). */
function blockSource (coeffs: Uint8Array, cols: number, r0: number, g: number, c0: number, cc: number): string {
  const L: string[] = []
  for (let c = c0; c < c0 + cc; c++) L.push(`const i${c} = I[${c}]`)
  for (let r = 0; r < g; r++) L.push(`const o${r} = O[${r0 + r}]`)
  L.push('let p0, p1, p2, p3, p4, p5, p6, p7', 'for (let j = s; j < e; j++) {')
  // The first column group overwrites the outputs, later ones accumulate into them.
  for (let r = 0; r < g; r++) L.push(c0 === 0 ? `let a${r} = 0` : `let a${r} = o${r}[j]`)
  for (let c = c0; c < c0 + cc; c++) {
    let top = -1
    for (let r = 0; r < g; r++) top = Math.max(top, 31 - Math.clz32(coeffs[(r0 + r) * cols + c]))
    if (top < 0) continue
    L.push(`p0 = i${c}[j]`)
    for (let b = 1; b <= top; b++) {
      L.push(`p${b} = ((p${b - 1} & 0x7f7f7f7f) << 1) ^ (((p${b - 1} >>> 7) & 0x01010101) * 0x1d)`)
    }
    for (let r = 0; r < g; r++) {
      const v = coeffs[(r0 + r) * cols + c]
      const terms: string[] = []
      for (let b = 0; b < 8; b++) if ((v >> b) & 1) terms.push(`p${b}`)
      if (terms.length > 0) L.push(`a${r} ^= ${terms.join(' ^ ')}`)
    }
  }
  for (let r = 0; r < g; r++) L.push(`o${r}[j] = a${r}`)
  L.push('}')
  return L.join('\n')
}

function generate (coeffs: Uint8Array, rows: number, cols: number): Block[] | undefined {
  try {
    const blocks: Block[] = []
    for (const [r0, g] of chunks(rows, MAX_ROWS)) {
      for (const [c0, cc] of chunks(cols, MAX_COLS)) {
        // eslint-disable-next-line @typescript-eslint/no-implied-eval, no-new-func
        blocks.push(new Function('I', 'O', 's', 'e', blockSource(coeffs, cols, r0, g, c0, cc)) as Block)
      }
    }
    return blocks
  } catch {
    return undefined // code generation from strings disallowed
  }
}

/** Table fallback: out[r][s..e) = Σ coeffs[r][c]·in[c][s..e), byte by byte. */
function applyBytes (plan: PortablePlan, ins: readonly Uint8Array[], outs: readonly Uint8Array[], s: number, e: number): void {
  const { rows, cols, coeffs } = plan
  for (let r = 0; r < rows; r++) {
    const o = outs[r]
    o.fill(0, s, e)
    for (let c = 0; c < cols; c++) {
      const t = coeffs[r * cols + c] << 8
      const x = ins[c]
      for (let i = s; i < e; i++) o[i] ^= MUL[t | x[i]]
    }
  }
}

const words = (p: Uint8Array): Int32Array => new Int32Array(p.buffer, p.byteOffset, p.length >>> 2)
/** p itself if 4-byte aligned, else an aligned copy (for inputs) or scratch (for outputs). */
const aligned = (p: Uint8Array, copy: boolean): Uint8Array =>
  (p.byteOffset & 3) === 0 ? p : copy ? p.slice() : new Uint8Array(p.length)

/** The portable kernel (see GfKernel). Any alignment and length. */
export const portableKernel: GfKernel<PortablePlan> = {
  name: 'js',
  prepare (coeffs, rows, cols) {
    const c = coeffs.slice()
    return { rows, cols, coeffs: c, blocks: generate(c, rows, cols) }
  },
  apply (plan, inputs, outputs) {
    const len = inputs[0].length
    const nw = len >>> 2
    if (plan.blocks === undefined || nw === 0) {
      applyBytes(plan, inputs, outputs, 0, len)
      return
    }
    const ins = inputs.map(p => aligned(p, true))
    const outs = outputs.map(p => aligned(p, false))
    const I = ins.map(words)
    const O = outs.map(words)
    for (let s = 0; s < nw; s += WORDS_PER_BLOCK) {
      const e = Math.min(nw, s + WORDS_PER_BLOCK)
      for (const f of plan.blocks) f(I, O, s, e)
    }
    if (len > nw * 4) applyBytes(plan, ins, outs, nw * 4, len)
    outs.forEach((o, i) => { if (o !== outputs[i]) outputs[i].set(o) })
  }
}

/** Exposed for tests: the product-table path used without code generation. */
export const portableTableKernel: GfKernel<PortablePlan> = {
  name: 'js-table',
  prepare: (coeffs, rows, cols) => ({ rows, cols, coeffs: coeffs.slice(), blocks: undefined }),
  apply: (plan, inputs, outputs) => applyBytes(plan, inputs, outputs, 0, inputs[0].length)
}
