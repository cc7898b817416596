import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { TronWeb, Trx, utils } from 'tronweb'
import { contractTypedData, receiptTypedData, type ContractTerms } from '../src/contracts/terms.js'
import { hostAdTypedData, type HostAd } from '../src/host/ad.js'
import { proofTypedData } from '../src/proofs/challenge.js'
import { hashTypedData } from '../src/wallet/typed-hash.js'
import { clearTypedVerifyCache, typedVerifier, verifyTypedFast, type TypedVerifier } from '../src/wallet/typed-verify.js'
import type { TypedData } from '../src/wallet/wallet.js'

const chainId = 728126428
const n = secp256k1.Point.Fn.ORDER

interface Key { hex: string, address: string }
const newKey = (): Key => { const hex = randomBytes(32).toString('hex'); return { hex, address: TronWeb.address.fromPrivateKey(hex) as string } }
const sign = (data: TypedData, key: Key): string => Trx.signTypedData(data.domain, data.types, data.value, key.hex)

/** tronweb's answer, a throw counted as false (what wallet.verifyTyped returns). */
function tron (data: TypedData, signature: unknown, signer: unknown): boolean {
  try {
    return Trx.verifyTypedData(data.domain, data.types, data.value, signature as string, signer as string)
  } catch {
    return false
  }
}

// Both secp256k1 backends are held to tronweb's answers: js always, native where its binding loads
// (CI requires it: BTFS_TS_REQUIRE_NATIVE=1).
const auto = typedVerifier('auto')
const backends: TypedVerifier[] = auto.kind === 'native' ? [typedVerifier('js'), auto] : [typedVerifier('js')]

t.test('the secp256k1 backend', async t => {
  if (process.env.BTFS_TS_REQUIRE_NATIVE === '1') t.equal(auto.kind, 'native', auto.fallbackReason ?? 'the native binding loads')
  else t.pass(`auto picked ${auto.kind}${auto.fallbackReason !== undefined ? ` (${auto.fallbackReason})` : ''}`)
  t.equal(typedVerifier('js').kind, 'js', 'js can always be chosen')
  t.throws(() => typedVerifier('fast' as 'js'), /BTFS_TS_SECP256K1 must be auto, native or js/)
})

let checks = 0
const warmUp: TypedData = { domain: { name: 'warm', version: '1', chainId: 1 }, types: { Up: [{ name: 'a', type: 'uint8' }] }, value: { a: 1 } }
/** Each backend equals tronweb; js both with no key kept (recovery) and with the signer's key kept (fixed-base path). */
function same (t: Test, data: TypedData, signature: unknown, signer: unknown, known: Key | undefined, msg: string): boolean {
  const want = tron(data, signature, signer)
  for (const { kind, verify } of backends) {
    for (const warm of kind === 'js' ? [false, true] : [false]) {
      clearTypedVerifyCache()
      if (warm && known !== undefined) {
        const own = sign(warmUp, known)
        if (!verify(warmUp, own, known.address)) t.fail('warm-up') // keeps its key
        verify(warmUp, own, known.address) // builds its table
      }
      let got: boolean | string
      try { got = verify(data, signature as string, signer as string) } catch (err) { got = `threw ${String(err)}` }
      if (got !== want) t.fail(`${msg} (${kind}${warm ? ', key kept' : ''}): got ${String(got)}, tronweb ${String(want)}`)
    }
  }
  checks++
  return want
}

const hex32 = (): string => '0x' + randomBytes(32).toString('hex')
const hexOf = (x: bigint, bytes = 32): string => x.toString(16).padStart(2 * bytes, '0')
const parts = (sig: string): { r: bigint, s: bigint, v: number } => {
  const b = Buffer.from(sig.replace(/^0x/, ''), 'hex')
  return { r: BigInt('0x' + b.subarray(0, 32).toString('hex')), s: BigInt('0x' + b.subarray(32, 64).toString('hex')), v: b[64] }
}
const join = (r: bigint, s: bigint, v?: number): string => '0x' + hexOf(r) + hexOf(s) + (v === undefined ? '' : hexOf(BigInt(v), 1))

const host = newKey()
const renter = newKey()
const stranger = newKey()

const terms: ContractTerms = {
  id: hex32(), renter: renter.address, renterPeer: '12D3KooWRenter', host: host.address, hostPeer: '12D3KooWHost',
  shardCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', shardSize: 1 << 30,
  merkleRoot: hex32(), leafSize: 4096, start: 1_764_000_000, duration: 30, price: '125000000000000000000',
  amount: '4166666666666666667', challengeIntervalMs: 3_600_000, challengeLeaves: 8
}
const ad: HostAd = {
  peerId: '12D3KooWHost', address: host.address, price: '125000000000000000000', capacity: 2 ** 40, free: 2 ** 39,
  minDuration: 30, maxDuration: 365, collateral: '0', expiry: 1_764_086_400
}
const samples: Record<string, TypedData> = {
  contract: contractTypedData(terms, chainId),
  receipt: receiptTypedData({ contractId: terms.id, shardCid: terms.shardCid, storedAt: 1_764_000_100 }, chainId),
  proof: proofTypedData(terms.id, hex32(), hex32(), chainId),
  'host ad': hostAdTypedData(ad, chainId)
}

t.test('the digest is tronweb hashTypedData', async t => {
  for (const [name, data] of Object.entries(samples)) {
    t.equal('0x' + Buffer.from(hashTypedData(data)).toString('hex'), utils.typedData.hashTypedData(data.domain, data.types, data.value), name)
  }
})

t.test('valid signatures of contracts, receipts, proofs and host ads verify, as in tronweb', async t => {
  for (const [name, data] of Object.entries(samples)) {
    const sig = sign(data, host)
    t.equal(same(t, data, sig, host.address, host, name), true, `${name}: valid`)
    t.equal(same(t, data, sig, TronWeb.address.toHex(host.address), host, name), true, `${name}: signer as 41… hex`)
    t.equal(same(t, data, sig, '0x' + TronWeb.address.toHex(host.address).slice(2), host, name), true, `${name}: signer as 0x hex`)
    t.equal(same(t, data, sig.slice(2), host.address, host, name), true, `${name}: without 0x`)
    t.equal(same(t, data, '0x' + sig.slice(2).toUpperCase(), host.address, host, name), true, `${name}: upper-case hex`)
    // many signers in turn: keys are kept, dropped and recovered again
    const js = typedVerifier('js').verify
    for (let i = 0; i < 40; i++) {
      const key = newKey()
      const s = sign(data, key)
      if (!js(data, s, key.address) || !js(data, s, key.address) || js(data, s, host.address) || !verifyTypedFast(data, s, key.address)) t.fail(`${name}: signer ${i}`)
    }
    t.ok(js(data, sig, host.address), `${name}: still valid after the js backend's cache turned over`)
  }
})

t.test('wrong signer, altered value, other domain: false, as in tronweb', async t => {
  for (const [name, data] of Object.entries(samples)) {
    const sig = sign(data, host)
    t.equal(same(t, data, sig, stranger.address, host, name), false, `${name}: another address`)
    t.equal(same(t, data, sig, stranger.address, stranger, name), false, `${name}: another address whose key is kept`)
    for (const signer of ['', 'T', host.address.slice(0, -1), host.address + '1', host.address.toLowerCase(), 42, null, undefined]) {
      t.equal(same(t, data, sig, signer, host, `${name}: signer ${String(signer)}`), false, `${name}: signer ${JSON.stringify(signer)}`)
    }
    for (const [field, v] of Object.entries(data.value)) {
      const altered = typeof v === 'number' ? v + 1 : typeof v !== 'string' ? 0 : v === host.address || v === renter.address ? stranger.address : /^0x/.test(v) ? hex32() : /^[0-9]+$/.test(v) ? String(BigInt(v) + 1n) : v + 'x'
      t.equal(same(t, { ...data, value: { ...data.value, [field]: altered } }, sig, host.address, host, `${name}.${field}`), false, `${name}: ${field} altered`)
    }
    const domains = [{ ...data.domain, chainId: chainId + 1 }, { ...data.domain, chainId: 1 }, { ...data.domain, name: 'btfs' },
      { ...data.domain, version: '2' }, { name: data.domain.name, version: data.domain.version } as unknown as TypedData['domain'],
      { ...data.domain, salt: hex32() }, { ...data.domain, verifyingContract: host.address }, { ...data.domain, nonsense: 1 }]
    for (const domain of domains) t.equal(same(t, { ...data, domain }, sig, host.address, host, `${name} ${JSON.stringify(domain)}`), false, `${name}: domain ${JSON.stringify(domain)}`)
  }
})

t.test('values read as tronweb reads them (equal encodings verify, bad ones are false)', async t => {
  const data = samples.contract
  const value = data.value
  const variants: Array<[string, Record<string, unknown>, boolean]> = [
    ['amounts as bigint', { ...value, amount: BigInt(terms.amount), price: BigInt(terms.price) }, true],
    ['sizes as decimal strings', { ...value, shardSize: String(terms.shardSize), start: BigInt(terms.start) }, true],
    ['sizes as hex strings', { ...value, shardSize: '0x' + terms.shardSize.toString(16) }, true],
    ['addresses as 41… hex', { ...value, host: TronWeb.address.toHex(host.address) }, true],
    ['addresses as 0x hex', { ...value, host: '0x' + TronWeb.address.toHex(host.address).slice(2).toUpperCase() }, true],
    ['bytes32 upper-case', { ...value, id: '0x' + terms.id.slice(2).toUpperCase(), merkleRoot: Buffer.from(terms.merkleRoot.slice(2), 'hex') }, true],
    ['uint32 overflow', { ...value, leafSize: 2 ** 32 }, false],
    ['negative', { ...value, duration: -1 }, false],
    ['fraction', { ...value, duration: 1.5 }, false],
    ['unsafe integer', { ...value, shardSize: 2 ** 60 }, false],
    ['empty string number', { ...value, price: '' }, false],
    ['minus sign only', { ...value, price: '-' }, false],
    ['number a boolean', { ...value, duration: true }, false],
    ['number an object', { ...value, price: {} }, false],
    ['not a number', { ...value, price: 'ten' }, false],
    ['bytes32 too short', { ...value, id: '0x1234' }, false],
    ['bytes32 odd hex', { ...value, id: terms.id + '0' }, false],
    ['bytes32 without 0x', { ...value, id: terms.id.slice(2) }, false],
    ['bad address checksum', { ...value, host: host.address.slice(0, -1) + (host.address.endsWith('a') ? 'b' : 'a') }, false],
    ['address not base58', { ...value, host: 'T0OIl' + host.address.slice(5) }, false],
    ['short address', { ...value, host: 'T12' }, false],
    ['address not a string', { ...value, host: 7 }, false],
    ['address of another prefix', { ...value, host: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT' }, false],
    ['string field a number', { ...value, shardCid: 5 }, false],
    ['lone surrogate', { ...value, shardCid: 'a\ud800b' }, false],
    ['lone low surrogate', { ...value, shardCid: 'a\udc00b' }, false],
    ['missing field', { ...value, hostPeer: undefined }, false],
    ['extra field', { ...value, extra: 'ignored' }, true]
  ]
  const sig = sign(data, host)
  for (const [name, v, valid] of variants) t.equal(same(t, { ...data, value: v }, sig, host.address, host, name), valid, name)
  t.equal(same(t, { ...data, value: null as unknown as Record<string, unknown> }, sig, host.address, host, 'null value'), false, 'null value')
})

t.test('other EIP-712 types: nested structs, arrays, bytes, bool, int, trcToken', async t => {
  const types = {
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person[]' }, { name: 'contents', type: 'string' },
      { name: 'data', type: 'bytes' }, { name: 'flag', type: 'bool' }, { name: 'delta', type: 'int64' },
      { name: 'token', type: 'trcToken' }, { name: 'grid', type: 'uint8[2][]' }, { name: 'tag', type: 'bytes4' }],
    Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }]
  }
  const value = {
    from: { name: 'Ann ✓ 🐢', wallet: host.address }, to: [{ name: 'Bob', wallet: renter.address }, { name: '', wallet: stranger.address }],
    contents: 'hello', data: '0xdeadbeef', flag: true, delta: -5, token: '1000001', grid: [[1, 2], [3, 255]], tag: '0x01020304'
  }
  const data: TypedData = { domain: { name: 'mail', version: '1', chainId: 1 }, types, value }
  t.equal('0x' + Buffer.from(hashTypedData(data)).toString('hex'), utils.typedData.hashTypedData(data.domain, data.types, data.value), 'digest')
  const sig = sign(data, host)
  t.equal(same(t, data, sig, host.address, host, 'mail'), true, 'valid')
  const bad: Array<[string, Record<string, unknown>]> = [
    ['grid row too long', { ...value, grid: [[1, 2, 3]] }], ['grid not an array', { ...value, grid: 'x' }],
    ['uint8 overflow', { ...value, grid: [[1, 256]] }], ['int64 underflow', { ...value, delta: -(2n ** 63n) - 1n }],
    ['flag falsy', { ...value, flag: 0 }], ['bytes4 long', { ...value, tag: '0x0102030405' }], ['person null', { ...value, from: null }],
    ['recipient missing', { ...value, to: [value.to[0]] }]
  ]
  for (const [name, v] of bad) same(t, { ...data, value: v }, sig, host.address, host, name)
  const badTypes: Array<[string, Record<string, Array<{ name: string, type: string }>>]> = [
    ['unused type', { ...types, Extra: [{ name: 'a', type: 'uint256' }] }], ['unknown type', { Mail: [{ name: 'a', type: 'Nobody' }] }],
    ['bare uint', { Mail: [{ name: 'a', type: 'uint' }] }], ['uint7', { Mail: [{ name: 'a', type: 'uint7' }] }],
    ['bytes33', { Mail: [{ name: 'a', type: 'bytes33' }] }], ['bytes0', { Mail: [{ name: 'a', type: 'bytes0' }] }],
    ['self reference', { Mail: [{ name: 'a', type: 'Mail' }] }], ['cycle', { Mail: [{ name: 'a', type: 'A' }], A: [{ name: 'b', type: 'B' }], B: [{ name: 'c', type: 'A' }] }],
    ['duplicate field', { Mail: [{ name: 'a', type: 'bool' }, { name: 'a', type: 'bool' }] }], ['empty type', { Mail: [{ name: 'a', type: '[]' }] }],
    ['no types', {}], ['unclosed bracket', { Mail: [{ name: 'a', type: 'P[' }], P: [{ name: 'b', type: 'bool' }] }], ['type not a string', { Mail: [{ name: 'a', type: 5 as unknown as string }] }],
    ['name not a string', { Mail: [{ name: 5 as unknown as string, type: 'bool' }] }]
  ]
  for (const [name, ty] of badTypes) same(t, { ...data, types: ty }, sig, host.address, host, name)
  const odd: Array<[string, TypedData]> = [
    ['types not plain', { ...data, types: new Map() as unknown as TypedData['types'] }],
    ['domain with a date', { ...data, domain: { ...data.domain, name: new Date() as unknown as string } }],
    ['domain not an object', { ...data, domain: null as unknown as TypedData['domain'] }],
    ['no data', null as unknown as TypedData]
  ]
  for (const [name, d] of odd) {
    t.equal(tron(d, sig, host.address), false, `${name}: tronweb false`)
    for (const { kind, verify } of backends) t.equal(verify(d, sig, host.address), false, `${name} (${kind})`)
  }
  t.equal(same(t, { ...data, value: { ...value, flag: 1 } }, sig, host.address, host, 'truthy flag'), true, 'a truthy flag is true')
})

t.test('malformed signatures are false, never a throw, as in tronweb', async t => {
  const data = samples.proof
  const sig = sign(data, host)
  const { r, s, v } = parts(sig)
  t.ok(v === 27 || v === 28, `tronweb signs with v = 27 or 28 (got ${v})`)
  const other = v === 27 ? 28 : 27
  const Fn = secp256k1.Point.Fn
  const h = Fn.create(BigInt('0x' + Buffer.from(hashTypedData(data)).toString('hex')))
  const atInfinity = Fn.create(-h * Fn.inv(BigInt('0x' + host.hex)))
  let badX = 1n
  for (;; badX++) { try { secp256k1.Point.fromHex('02' + hexOf(badX)) } catch { break } }
  const cases: Array<[string, unknown, boolean | undefined]> = [
    ['v as 0/1', join(r, s, v - 27), true], ['v 0', join(r, s, 0), v === 27], ['v 1', join(r, s, 1), v === 28],
    ['h·G + r·P = 0 (R′ at infinity)', join(atInfinity, s, v), false], ['EIP-155 v', join(r, s, v === 27 ? 37 : 38), true],
    ['EIP-2098 compact', join(r, s | (BigInt(v - 27) << 255n)), true],
    ['other parity', join(r, s, other), false], ['other parity as 0/1', join(r, s, other - 27), false],
    ['compact with other parity', join(r, s | (BigInt(other - 27) << 255n)), false],
    ['malleated (n − s, other parity)', join(r, n - s, other), undefined],
    ['high s, same parity', join(r, n - s, v), false],
    ['v 2', join(r, s, 2), false], ['v 26', join(r, s, 26), false], ['v 29', join(r, s, 29), false], ['v 34', join(r, s, 34), false],
    ['v 255', join(r, s, 255), undefined], ['r = 0', join(0n, s, v), false], ['s = 0', join(r, 0n, v), false],
    ['r = n', join(n, s, v), false], ['s = n', join(r, n, v), false], ['r not an x', join(badX, s, v), false],
    ['compact s = 0', join(r, 0n), false], ['s ≥ 2^255', join(r, (1n << 255n) | s, v), false],
    ['empty', '', false], ['0x', '0x', false], ['0x0x', '0x0x' + sig.slice(2), false], ['0X', '0X' + sig.slice(2), false],
    ['v dropped (64 bytes, read as EIP-2098: valid when v was 27)', sig.slice(0, -2), v === 27], ['long', sig + '00', false], ['odd length', sig + '0', false],
    ['63 bytes', sig.slice(0, 2 + 126), false], ['non-hex', sig.slice(0, -1) + 'g', false], ['spaces', ' ' + sig, false],
    ['number', 12345, false], ['null', null, false], ['undefined', undefined, false], ['object', { r, s }, false]
  ]
  for (const [name, signature, expected] of cases) {
    const want = same(t, data, signature, host.address, host, name)
    if (expected !== undefined) t.equal(want, expected, `${name}: ${String(expected)}`)
    else t.pass(`${name}: ${String(want)} in both`)
  }
  // random byte changes, checked against tronweb both ways
  const b = Buffer.from(sig.slice(2), 'hex')
  for (let i = 0; i < 150; i++) {
    const c = Buffer.from(b)
    c[i % 65] ^= 1 << (i % 8)
    same(t, data, '0x' + c.toString('hex'), host.address, host, `bit ${i % 8} of byte ${i % 65}`)
  }
  t.ok(checks > 300, `${checks} cases compared with tronweb on ${backends.map(b => b.kind).join(' and ')}, js each cold and with the key kept`)
})
