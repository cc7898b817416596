/**
 * TIP-712 digests without tronweb. This is tronweb 6.5's `hashTypedData` (utils/typedData.js:
 * ethers 6's TypedDataEncoder, with `address` fields taking TRON addresses) ported rule for
 * rule, so that it accepts the same types, rejects the same values and returns the same digest:
 * test/typed-verify.test.ts checks it against tronweb. One known difference, on input no caller
 * builds: a value for an array type must be an Array here, where tronweb also maps typed arrays
 * and other objects with a `map` method. Domain and types must be plain data, as in tronweb.
 *
 *   digest = keccak256(0x19 0x01 ‖ hashStruct(EIP712Domain, domain) ‖ hashStruct(primary, value))
 */
import { createHash } from 'node:crypto'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type { TypedData } from './wallet.js'

type Encoder = (value: unknown) => Uint8Array
type Field = { name: string, type: string }

const fail = (message: string): never => { throw new Error(message) }

const isBytes = (value: unknown): value is Uint8Array =>
  ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]'

/** ethers getBytes: a Uint8Array, or 0x-hex of even length (either case). */
function getBytes (value: unknown): Uint8Array {
  if (isBytes(value)) return value
  if (typeof value === 'string' && value.length % 2 === 0 && /^0x[0-9a-f]*$/i.test(value)) return Buffer.from(value.slice(2), 'hex')
  return fail('invalid BytesLike value')
}

/** ethers getBigInt: bigint; safe-integer number; string BigInt() reads, with a leading '-'. */
function getBigInt (value: unknown): bigint {
  switch (typeof value) {
    case 'bigint': return value
    case 'number':
      if (!Number.isInteger(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) fail('bad number')
      return BigInt(value)
    case 'string':
      if (value === '') fail('empty string')
      return value[0] === '-' && value[1] !== '-' ? -BigInt(value.substring(1)) : BigInt(value)
  }
  return fail('invalid BigNumberish value')
}

/** ethers toUtf8Bytes: UTF-8 that refuses a high surrogate without its pair (a lone low one is encoded). */
function utf8 (value: unknown): Uint8Array {
  if (typeof value !== 'string') fail('invalid string value')
  const str = value as string
  const out: number[] = []
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i)
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push((c >> 6) | 0xc0, (c & 0x3f) | 0x80)
    else if ((c & 0xfc00) === 0xd800) {
      const c2 = str.charCodeAt(++i)
      if (i >= str.length || (c2 & 0xfc00) !== 0xdc00) fail('invalid surrogate pair')
      const pair = 0x10000 + ((c & 0x03ff) << 10) + (c2 & 0x03ff)
      out.push((pair >> 18) | 0xf0, ((pair >> 12) & 0x3f) | 0x80, ((pair >> 6) & 0x3f) | 0x80, (pair & 0x3f) | 0x80)
    } else out.push((c >> 12) | 0xe0, ((c >> 6) & 0x3f) | 0x80, (c & 0x3f) | 0x80)
  }
  return Uint8Array.from(out)
}

const keccak = (bytes: Uint8Array): Uint8Array => keccak_256(bytes)
const id = (text: string): Uint8Array => keccak(utf8(text))

/** `bytes` in a 32-byte word, left- (numbers, addresses) or right-aligned (bytesN). */
function word (bytes: Uint8Array, left: boolean): Uint8Array {
  if (bytes.length > 32) fail('padding exceeds data length')
  const out = new Uint8Array(32)
  out.set(bytes, left ? 32 - bytes.length : 0)
  return out
}

const uint256 = (x: bigint): Uint8Array => Buffer.from(x.toString(16).padStart(64, '0'), 'hex')

const base58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const sha256d = (bytes: Uint8Array): Buffer => createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest()

/** tronweb decodeBase58Address: the payload of a base58check string; undefined for short input, throws on a bad one. */
function decodeBase58Check (text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length <= 4) return undefined
  let value = 0n
  let zeros = 0
  for (const ch of text) {
    const digit = ch.length === 1 ? base58.indexOf(ch) : -1
    if (digit < 0) fail('Non-base58 character')
    if (digit === 0 && value === 0n) zeros++
    value = value * 58n + BigInt(digit)
  }
  const hex = value === 0n ? '' : value.toString(16)
  const all = Buffer.concat([Buffer.alloc(zeros), Buffer.from(hex.length % 2 === 0 ? hex : '0' + hex, 'hex')])
  if (all.length <= 4) return undefined
  const payload = all.subarray(0, all.length - 4)
  if (!sha256d(payload).subarray(0, 4).equals(all.subarray(all.length - 4))) fail('Invalid address provided')
  return payload
}

/** tronweb isHex: a string of hex digits, optionally after 0x. */
export const isTronHex = (value: unknown): value is string => typeof value === 'string' && /^(0x|)[a-fA-F0-9]+$/.test(value)

/**
 * tronweb's `address` field: toHex (hex as is with 0x read as the 41 prefix, else base58check
 * decoded), the leading 41 byte taken as 0x, the rest (at most 32 bytes) left-padded.
 */
function addressWord (value: unknown): Uint8Array {
  let hex: string
  if (isTronHex(value)) hex = value.toLowerCase().replace(/^0x/, '41')
  else hex = Buffer.from(decodeBase58Check(value) ?? []).toString('hex')
  return word(getBytes(hex.replace(/^(41)/, '0x')), true)
}

const wordTrue = uint256(1n)
const wordFalse = uint256(0n)

/** ethers getBaseEncoder: the encoder of an atomic type, null for a struct or array type; throws on a bad width. */
function baseEncoder (type: string): Encoder | null {
  const int = type.match(/^(u?)int(\d*)$/)
  if (int !== null) {
    const signed = int[1] === ''
    const width = parseInt(int[2] !== '' ? int[2] : '256')
    if (width % 8 !== 0 || width === 0 || width > 256 || int[2] !== String(width)) fail('invalid numeric width')
    const upper = (1n << BigInt(signed ? width - 1 : width)) - 1n
    const lower = signed ? -(upper + 1n) : 0n
    return value => {
      const x = getBigInt(value)
      if (x < lower || x > upper) fail(`value out-of-bounds for ${type}`)
      return uint256(BigInt.asUintN(256, x))
    }
  }
  const fixed = type.match(/^bytes(\d+)$/)
  if (fixed !== null) {
    const width = parseInt(fixed[1])
    if (width === 0 || width > 32 || fixed[1] !== String(width)) fail('invalid bytes width')
    return value => {
      const bytes = getBytes(value)
      if (bytes.length !== width) fail(`invalid length for ${type}`)
      return word(bytes, false)
    }
  }
  switch (type) {
    case 'trcToken': return baseEncoder('uint256')
    case 'address': return addressWord
    case 'bool': return value => (value as boolean) ? wordTrue : wordFalse
    case 'bytes': return value => keccak(getBytes(value))
    case 'string': return value => id(value as string)
  }
  return null
}

const encodeType = (name: string, fields: readonly Field[]): string => `${name}(${fields.map(({ name, type }) => type + ' ' + name).join(',')})`

/** ethers TypedDataEncoder: checks the types, finds the primary type, encodes values of them. */
class TypeEncoder {
  readonly primaryType: string
  /** the types as the encoder reads them when encoding: through JSON, as ethers does */
  readonly #json: Record<string, Field[]>
  readonly #fullTypes = new Map<string, string>()
  readonly #encoders = new Map<string, Encoder>()

  constructor (types: Record<string, Field[]>, json: string) {
    this.#json = JSON.parse(json) as Record<string, Field[]>
    const links = new Map<string, Set<string>>()
    const parents = new Map<string, string[]>()
    const subtypes = new Map<string, Set<string>>()
    for (const type of Object.keys(types)) {
      links.set(type, new Set())
      parents.set(type, [])
      subtypes.set(type, new Set())
    }
    for (const name in types) {
      const unique = new Set<string>()
      for (const field of types[name]) {
        if (unique.has(field.name)) fail(`duplicate variable name ${field.name}`)
        unique.add(field.name)
        const baseType = (field.type.match(/^([^[]*)(\[|$)/) as RegExpMatchArray)[1]
        if (baseType === name) fail('circular type reference')
        if (baseType === '') fail('missing type')
        if (baseEncoder(baseType) !== null) continue
        const up = parents.get(baseType) ?? fail(`unknown type ${baseType}`)
        up.push(name)
        links.get(name)?.add(baseType)
      }
    }
    const primary = [...parents.keys()].filter(n => parents.get(n)?.length === 0)
    if (primary.length !== 1) fail('missing or ambiguous primary type')
    this.primaryType = primary[0]
    const check = (type: string, found: Set<string>): void => {
      if (found.has(type)) fail('circular type reference')
      found.add(type)
      for (const child of links.get(type) ?? []) {
        if (!parents.has(child)) continue
        check(child, found)
        for (const sub of found) subtypes.get(sub)?.add(child)
      }
      found.delete(type)
    }
    check(this.primaryType, new Set())
    for (const [name, set] of subtypes) {
      this.#fullTypes.set(name, encodeType(name, types[name]) + [...set].sort().map(t => encodeType(t, types[t])).join(''))
    }
  }

  encoder (type: string): Encoder {
    let encoder = this.#encoders.get(type)
    if (encoder === undefined) {
      encoder = this.#make(type)
      this.#encoders.set(type, encoder)
    }
    return encoder
  }

  #make (type: string): Encoder {
    const base = baseEncoder(type)
    if (base !== null) return base
    const array = type.match(/^(.*)(\[(\d*)\])$/)
    if (array !== null) {
      const sub = array[1]
      const subEncoder = this.encoder(sub)
      const struct = this.#fullTypes.has(sub)
      return value => {
        if (!Array.isArray(value)) return fail('not an array')
        if (array[3] !== '' && parseInt(array[3]) !== value.length) fail('array length mismatch')
        const parts = value.map(v => struct ? keccak(subEncoder(v)) : subEncoder(v))
        return keccak(Buffer.concat(parts))
      }
    }
    const fields = this.#json[type]
    if (fields !== undefined && fields !== null) {
      const typeHash = id(this.#fullTypes.get(type) as string)
      return value => {
        const parts = [typeHash]
        for (const { name, type } of fields) {
          const encoded = this.encoder(type)((value as Record<string, unknown>)[name])
          parts.push(this.#fullTypes.has(type) ? keccak(encoded) : encoded)
        }
        return Buffer.concat(parts)
      }
    }
    return fail(`unknown type: ${type}`)
  }

  hashStruct (name: string, value: unknown): Uint8Array {
    return keccak(this.encoder(name)(value))
  }
}

/** tronweb's clonePlainData check: primitives, Uint8Array, arrays and plain objects, no cycles, ≤ 64 deep. */
function assertPlain (value: unknown, depth = 1, ancestors = new Set<object>()): void {
  if (typeof value === 'function' || typeof value === 'symbol') fail('not plain data')
  if (typeof value !== 'object' || value === null || isBytes(value)) return
  if (!Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value) as object | null
    if (Object.prototype.toString.call(value) !== '[object Object]' || (proto !== null && Object.getPrototypeOf(proto) !== null)) fail('not plain data')
  }
  if (depth > 64 || ancestors.has(value)) fail('too deep or circular')
  ancestors.add(value)
  for (const item of Array.isArray(value) ? value : Object.values(value)) assertPlain(item, depth + 1, ancestors)
  ancestors.delete(value)
}

/** Compiled encoders by the JSON of their types (only when every field name is a string: then the JSON says it all). */
const encoders = new Map<string, TypeEncoder>()
const maxEncoders = 64

function encoderFor (types: Record<string, Field[]>): TypeEncoder {
  const json = JSON.stringify(types)
  const cacheable = Object.values(types).every(fields => Array.isArray(fields) && fields.every(f => typeof f?.name === 'string'))
  let encoder = cacheable ? encoders.get(json) : undefined
  if (encoder === undefined) {
    encoder = new TypeEncoder(types, json)
    if (cacheable) {
      if (encoders.size >= maxEncoders) encoders.clear()
      encoders.set(json, encoder)
    }
  }
  return encoder
}

const domainTypes: Record<string, string> = { name: 'string', version: 'string', chainId: 'uint256', verifyingContract: 'address', salt: 'bytes32' }
const domainOrder = Object.keys(domainTypes)

/**
 * The TIP-712 digest tronweb signs and verifies for `data` (32 bytes). Throws where tronweb's
 * hashTypedData throws: types that are not EIP-712 (no single primary type, unknown or circular
 * types, bad widths), values a type does not take, a domain key that is not an EIP-712 one.
 */
export function hashTypedData (data: TypedData): Uint8Array {
  const { domain, types, value } = data
  assertPlain(domain)
  assertPlain(types)
  const fields: Field[] = []
  for (const name in domain) {
    if ((domain as Record<string, unknown>)[name] === null || (domain as Record<string, unknown>)[name] === undefined) continue
    if (!Object.hasOwn(domainTypes, name)) fail(`invalid typed-data domain key: ${name}`)
    fields.push({ name, type: domainTypes[name] })
  }
  fields.sort((a, b) => domainOrder.indexOf(a.name) - domainOrder.indexOf(b.name))
  const domainHash = encoderFor({ EIP712Domain: fields }).hashStruct('EIP712Domain', domain)
  const encoder = encoderFor(types)
  const structHash = encoder.hashStruct(encoder.primaryType, value)
  return keccak(Buffer.concat([Uint8Array.of(0x19, 0x01), domainHash, structHash]))
}
