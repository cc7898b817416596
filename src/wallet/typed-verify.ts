/**
 * TIP-712 signature checks without tronweb: the same answer as tronweb 6.5's
 * Trx.verifyTypedData (with a throw counted as false, as verifyTyped does), synchronous, and
 * many times faster. A renter checks one signature per challenge answer, so this is the cost
 * of a proof round (bench:proofs).
 *
 * tronweb hashes the typed data (see typed-hash.ts), reads the signature with ethers 6's
 * Signature.from (65 bytes r ‖ s ‖ v with v ∈ {0, 1, 27, 28} or an EIP-155 v ≥ 35, or 64-byte
 * EIP-2098 r ‖ yParity·s; 0 < r < n, 0 < s < 2^255, so high-s signatures pass), recovers the
 * public key Q = r⁻¹(s·R − h·G), where R is the curve point with x = r and the parity v says,
 * and compares the TRON address of Q (0x41 ‖ keccak256(Q)[12..32], base58check) with the
 * signer's. Both backends do exactly that after the same parsing:
 *
 * - native: libsecp256k1's recovery (the `secp256k1` package's prebuilt N-API binding), ~65 µs.
 * - js: @noble/curves. The first check for a signer recovers Q. When it succeeds, the signer's
 *   key P is kept (with a precomputed multiplication table, built on its next use), and later
 *   checks compute R' = s⁻¹(h·G + r·P) with two fixed-base multiplications instead: R' has
 *   x = r and R's parity exactly when r·P = s·R − h·G, that is when Q = P, so the answer is the
 *   same (up to a keccak-160 collision between two keys, as for any address comparison).
 *   ~1 ms with the key kept, ~3 ms cold: what runs where the binding cannot load.
 *
 * Environment: BTFS_TS_SECP256K1=auto|native|js (default auto: native, else js).
 */
import { createRequire } from 'node:module'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { base58Check, tronAddressOfPublicKey } from './address.js'
import { hashTypedData, isTronHex } from './typed-hash.js'
import type { TypedData } from './wallet.js'

type Point = ReturnType<typeof secp256k1.Point.fromBytes>

const { Point: CurvePoint } = secp256k1
const Fn = CurvePoint.Fn
/** G with its own 8-bit-window table (~1 MB, built on first use in ~40 ms): ~1.4× noble's default one. */
const G = CurvePoint.fromAffine(CurvePoint.BASE.toAffine()).precompute(8, true)

/** Window of the per-signer tables: 6 bits, ~0.3 MB each, ~15 ms to build. */
const tableWindow = 6
/** Signers whose key is kept, least recently used dropped first. */
const maxSigners = 32
const signers = new Map<string, Point>()

interface Parsed { r: bigint, s: bigint, parity: number, /** r ‖ s, 64 bytes */ rs: Uint8Array }

const toBigInt = (bytes: Uint8Array): bigint => BigInt('0x' + Buffer.from(bytes).toString('hex'))

/** ethers 6's Signature.from on tronweb's 0x-prefixed copy, with the checks recovery adds; undefined where it throws. */
function parseSignature (signature: string): Parsed | undefined {
  const hex = signature.replace(/^0x/, '')
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return undefined
  const bytes = Buffer.from(hex, 'hex')
  let parity: number
  const s = Uint8Array.from(bytes.subarray(32, 64))
  if (bytes.length === 64) {
    parity = s[0] >> 7
    s[0] &= 0x7f
  } else if (bytes.length === 65) {
    const v = bytes[64]
    if (v === 0 || v === 27) parity = 0
    else if (v === 1 || v === 28) parity = 1
    else if (v >= 35) parity = (v & 1) === 1 ? 0 : 1
    else return undefined
    if (s[0] >= 0x80) return undefined // ethers: "non-canonical s"
  } else return undefined
  const r = toBigInt(bytes.subarray(0, 32))
  const sn = toBigInt(s)
  if (!Fn.isValidNot0(r) || !Fn.isValidNot0(sn)) return undefined
  const rs = new Uint8Array(64)
  rs.set(bytes.subarray(0, 32), 0)
  rs.set(s, 32)
  return { r, s: sn, parity, rs }
}

/** What tronweb compares the recovered address with: address.fromHex(signer), or undefined when that can never match. */
function signerKey (signer: unknown): string | undefined {
  if (typeof signer !== 'string') return undefined
  if (!isTronHex(signer)) return signer
  // tronweb hexStr2byteArray: pairs of hex digits, an odd last digit dropped
  const hex = signer.replace(/^0x/, '41')
  return base58Check(Buffer.from(hex.slice(0, hex.length - (hex.length % 2)), 'hex'))
}

/** R' = s⁻¹(h·G + r·P) has x = r and the signature's parity: Q = P (see the file comment). */
function signedBy (key: Point, { r, s, parity }: Parsed, h: bigint): boolean {
  const si = Fn.inv(s)
  const R = G.multiplyUnsafe(Fn.create(h * si)).add(key.multiplyUnsafe(Fn.create(r * si)))
  if (R.is0()) return false
  const { x, y } = R.toAffine()
  return x === r && Number(y & 1n) === parity
}

/** The checks after parsing: does the signature (r, s, parity) of digest recover to the address key? */
type Check = (key: string, sig: Parsed, digest: Uint8Array) => boolean

const jsCheck: Check = (key, sig, digest) => {
  const h = Fn.create(toBigInt(digest))
  const known = signers.get(key)
  if (known !== undefined) {
    signers.delete(key)
    signers.set(key, known)
    return signedBy(known, sig, h)
  }
  const recovered = new secp256k1.Signature(sig.r, sig.s, sig.parity).recoverPublicKey(digest)
  if (tronAddressOfPublicKey(recovered.toBytes(false)) !== key) return false
  if (signers.size >= maxSigners) signers.delete(signers.keys().next().value as string)
  signers.set(key, CurvePoint.fromAffine(recovered.toAffine()).precompute(tableWindow, true))
  return true
}

/** The part of the `secp256k1` package's API used here, from its bindings.js (its index.js falls back to elliptic silently). */
interface Secp256k1Native {
  ecdsaRecover: (sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean, output?: Uint8Array) => Uint8Array
}

function nativeCheck (): Check {
  const lib = createRequire(import.meta.url)('secp256k1/bindings.js') as Secp256k1Native
  const point = new Uint8Array(65)
  return (key, sig, digest) => {
    try {
      lib.ecdsaRecover(sig.rs, sig.parity, digest, false, point)
    } catch {
      return false // no curve point with x = r, or Q at infinity
    }
    return tronAddressOfPublicKey(point) === key
  }
}

export type Secp256k1Mode = 'auto' | 'native' | 'js'

/** A TIP-712 verifier and which secp256k1 backend it runs on. */
export interface TypedVerifier {
  kind: 'native' | 'js'
  /** Why auto fell back to js. */
  fallbackReason?: string
  /**
   * True when `signature` is `signer`'s TIP-712 signature of `data`: the answer tronweb's
   * Trx.verifyTypedData gives (false where it throws), for base58 and hex TRON addresses.
   * Synchronous; never throws. A signer that is not a string is false.
   */
  verify: (data: TypedData, signature: string, signer: string) => boolean
}

function verifierOf (check: Check): TypedVerifier['verify'] {
  return (data, signature, signer) => {
    try {
      if (typeof signature !== 'string') return false
      const key = signerKey(signer)
      const sig = parseSignature(signature)
      if (key === undefined || sig === undefined) return false
      return check(key, sig, hashTypedData(data))
    } catch {
      return false
    }
  }
}

const verifiers = new Map<Secp256k1Mode, TypedVerifier>()

/** The verifier for `mode` (default: env BTFS_TS_SECP256K1, else auto: native where its binding loads, else js). */
export function typedVerifier (mode?: Secp256k1Mode): TypedVerifier {
  const m = mode ?? (process.env.BTFS_TS_SECP256K1 || 'auto') as Secp256k1Mode
  if (m !== 'auto' && m !== 'native' && m !== 'js') throw new Error(`BTFS_TS_SECP256K1 must be auto, native or js, not "${String(m)}"`)
  let v = verifiers.get(m)
  if (v === undefined) {
    if (m === 'js') v = { kind: 'js', verify: verifierOf(jsCheck) }
    else {
      try {
        v = { kind: 'native', verify: verifierOf(nativeCheck()) }
      } catch (err) {
        if (m === 'native') throw new Error(`the native secp256k1 binding did not load: ${err instanceof Error ? err.message : String(err)}`)
        v = { kind: 'js', verify: verifierOf(jsCheck), fallbackReason: err instanceof Error ? err.message : String(err) }
      }
    }
    verifiers.set(m, v)
  }
  return v
}

/** typedVerifier().verify: the default backend's check (see TypedVerifier.verify). */
export function verifyTypedFast (data: TypedData, signature: string, signer: string): boolean {
  return typedVerifier().verify(data, signature, signer)
}

/** Forgets the signers' keys the js backend keeps (for tests and benchmarks). */
export function clearTypedVerifyCache (): void {
  signers.clear()
}
