/**
 * Test oracle: @digitaldefiance/reed-solomon-erasure.wasm (Rust reed-solomon-erasure in
 * WASM), whose parity is byte-identical to klauspost/reedsolomon. It works on one
 * contiguous buffer of k+m pieces and panics (unrecoverably) for m = 0.
 */
import { ReedSolomonErasure } from '@digitaldefiance/reed-solomon-erasure.wasm'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

let instance: ReedSolomonErasure | undefined

/** The WASM instance (its ESM entry cannot locate its .wasm itself, so we load the bytes). */
export function oracle (): ReedSolomonErasure {
  if (instance === undefined) {
    const main = createRequire(import.meta.url).resolve('@digitaldefiance/reed-solomon-erasure.wasm')
    instance = ReedSolomonErasure.fromBytes(readFileSync(join(dirname(main), 'reed_solomon_erasure_bg.wasm')))
  }
  return instance
}

/** Concatenates pieces into one buffer, the oracle's layout. */
export function concat (pieces: readonly Uint8Array[]): Uint8Array {
  const size = pieces[0].length
  const all = new Uint8Array(size * pieces.length)
  pieces.forEach((p, i) => all.set(p, i * size))
  return all
}

/** Parity of `data` computed by the oracle (m >= 1). */
export function oracleParity (data: readonly Uint8Array[], m: number): Uint8Array[] {
  const k = data.length
  const size = data[0].length
  const all = new Uint8Array(size * (k + m))
  data.forEach((p, i) => all.set(p, i * size))
  const rc = oracle().encode(all, k, m)
  if (rc !== 0) throw new Error(`oracle encode failed: ${ReedSolomonErasure.getResultMessage(rc)}`)
  return Array.from({ length: m }, (_, i) => all.slice((k + i) * size, (k + i + 1) * size))
}
