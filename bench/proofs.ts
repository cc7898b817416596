/**
 * Proofs-of-storage benchmark, one core: challenge answers (and leaf proofs) a renter verifies
 * per second, with and without the host's TIP-712 signature, and the bytes a challenge round
 * costs per contract.
 *
 *   node dist/bench/proofs.js [--shard=1073741824] [--c=8] [--sets=64] [--min-ms=300] [--rounds=3]
 *
 * For each leaf size (1, 2, 4 KiB) a `shard`-byte shard is stood for by a tree of random leaf
 * hashes (2^20, 2^19, 2^18 leaves at 1 GiB) in which the leaves the challenges ask for are real
 * bytes, as in bench:merkle. `sets` answers are made as HostProver makes them: a random nonce,
 * the c leaves challengeIndices picks, their audit paths and a tronweb signature of
 * proofTypedData by a host key, encoded as the binary answer frame (src/proofs/answer-codec.ts).
 * Every verification below starts from the frame's bytes (decodeAnswer included). Rows, each
 * over the same answers in turn:
 *   baseline   SHA-256 (node:crypto) of the c leaves' bytes, one hash per answer: the least any
 *              check of those bytes costs
 *   merkle     verifyAnswer with the signature check swapped for none: challengeIndices, decoding,
 *              verifyMerkleProofs (batched per answer), the items' digest and proofTypedData
 *   verifyAnswer  as it is: the above plus verifyTypedFast (native libsecp256k1 recovery where
 *              the binding loads)
 *   js         verifyAnswer on the js secp256k1 backend, the host's key kept (as for a renter's
 *              hosts) and cold (its kept keys dropped before each answer: public-key recovery)
 *   tronweb    verifyAnswer with tronweb's Trx.verifyTypedData (what wallet.verifyTyped calls)
 * Target (the issue): ≥ 20 000 proofs verified per second per core for c = 8; a proof is read as
 * one leaf with its path (answers/s × c), and answers/s is printed beside it.
 *
 * Bytes: the request frame {contractId, nonce, at} (varint length + JSON) and the binary answer
 * frame, beside the JSON answer {ok: true, answer} the binary frame replaced (base64 leaves, 0x-hex
 * paths), and per contract per day at proofs.interval 1h (24 rounds on average). libp2p's own
 * framing (multistream-select, yamux, noise) is not counted. Each rate is the median of `rounds` timings of at least min-ms each, after a warm-up.
 * Environment: BTFS_TS_MERKLE=auto|native|js picks the SHA-256 backend of the Merkle checks,
 * BTFS_TS_SECP256K1=auto|native|js the signature backend of verifyAnswer.
 */
import { createHash, randomBytes } from 'node:crypto'
import { Trx, TronWeb } from 'tronweb'
import * as varint from 'uint8-varint'
import { generatorPool, machine, MiB, table } from './lib.js'
import { hashBackend, leafCountOf, leafHash, MerkleTree, verifyMerkleProofs } from '../src/merkle/index.js'
import type { ContractTerms } from '../src/contracts/terms.js'
import { challengeIndices, itemsDigest, proofTypedData, verifyAnswer, type ChallengeAnswer } from '../src/proofs/challenge.js'
import { decodeAnswer, encodeAnswer } from '../src/proofs/answer-codec.js'
import type { MerkleProofItem } from '../src/merkle/index.js'
import { clearTypedVerifyCache, typedVerifier } from '../src/wallet/typed-verify.js'
import { verifyTyped, type TypedData } from '../src/wallet/wallet.js'

const args = new Map(process.argv.slice(2).map(a => a.replace(/^--/, '').split('=') as [string, string]))
const shard = Number(args.get('shard') ?? 1024 * MiB)
const c = Number(args.get('c') ?? 8)
const sets = Number(args.get('sets') ?? 64)
const minMs = Number(args.get('min-ms') ?? 300)
const rounds = Number(args.get('rounds') ?? 3)
const leafSizes = [1024, 2048, 4096]
const chainId = 728126428
const target = 20_000
const roundsPerDay = 24 // proofs.interval 1h: exponential gaps with a 1 h mean

/** Median over `rounds` of operations per second, each round running fn (ops per call) for >= minMs. */
async function perSecond (ops: number, fn: () => unknown): Promise<number> {
  await fn()
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    let n = 0
    let ms = 0
    const t0 = process.hrtime.bigint()
    do { await fn(); n++; ms = Number(process.hrtime.bigint() - t0) / 1e6 } while (ms < minMs)
    rates.push(ops * n / (ms / 1000))
  }
  return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]
}

type Verifier = (data: TypedData, signature: string, signer: string) => boolean

/** Skips the signature: the Merkle checks alone. */
const unsigned: Verifier = () => true
/** What wallet.verifyTyped does: tronweb's Trx.verifyTypedData, a throw counted as false. */
const tronweb: Verifier = (data, signature, signer) => {
  try { return Trx.verifyTypedData(data.domain, data.types, data.value, signature, signer) } catch { return false }
}
const hex = (s: string): Buffer => Buffer.from(s.replace(/^0x/, ''), 'hex')

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
const frame = (message: unknown): number => {
  const length = Buffer.byteLength(JSON.stringify(message))
  return varint.encodingLength(length) + length
}

const backend = hashBackend('auto')
const verifier = typedVerifier()
const js = typedVerifier('js').verify
console.log(`# Proofs of storage: verifying challenge answers, one core — ${machine()}`)
console.log(`# shard ${shard / MiB} MiB, c = ${c}, ${sets} answers per leaf size; Merkle SHA-256: ${backend.kind}${backend.fallbackReason !== undefined ? ` (${backend.fallbackReason})` : ''}; secp256k1: ${verifier.kind}${verifier.fallbackReason !== undefined ? ` (${verifier.fallbackReason})` : ''}`)

const hostKey = randomBytes(32).toString('hex')
const hostAddress = TronWeb.address.fromPrivateKey(hostKey) as string
const pool = generatorPool(1)
const rows: Array<Record<string, string | number>> = []
const bytesRows: Array<Record<string, string | number>> = []
const breakdown: string[] = []
let nonceSeed = 0

for (const leafSize of leafSizes) {
  const leafCount = leafCountOf(shard, leafSize)
  const leafAt = (i: number): Uint8Array => { const at = (i * 4099) % (pool.length - leafSize); return pool.subarray(at, at + leafSize) }
  const terms: ContractTerms = {
    id: '0x' + createHash('sha256').update(`contract ${leafSize}`).digest('hex'), renter: hostAddress, renterPeer: 'renter', host: hostAddress,
    hostPeer: 'host', shardCid: 'bafk', shardSize: shard, merkleRoot: '', leafSize, start: 0, duration: 30, price: '1', amount: '1',
    challengeIntervalMs: 3_600_000, challengeLeaves: c
  }
  const nonces = Array.from({ length: sets }, () => '0x' + createHash('sha256').update(`nonce ${nonceSeed++}`).digest('hex'))
  const hashes = new Uint8Array(leafCount * 32)
  for (let at = 0; at < hashes.length; at += pool.length) hashes.set(pool.subarray(0, Math.min(pool.length, hashes.length - at)), at)
  for (const nonce of nonces) for (const i of challengeIndices(nonce, terms.id, leafCount, c)) hashes.set(leafHash(leafAt(i)), 32 * i)
  const tree = MerkleTree.fromLeafHashes(hashes)
  terms.merkleRoot = '0x' + Buffer.from(tree.root).toString('hex')
  const answers: ChallengeAnswer[] = nonces.map(nonce => {
    const items: MerkleProofItem[] = challengeIndices(nonce, terms.id, leafCount, c).map(index => ({ leafIndex: index, leaf: leafAt(index), path: tree.proof(index) }))
    const typed = proofTypedData(terms.id, nonce, itemsDigest(items), chainId)
    return { contractId: terms.id, nonce, items, signature: Trx.signTypedData(typed.domain, typed.types, typed.value, hostKey) }
  })
  const frames = answers.map(answer => encodeAnswer(answer))
  const ok = (k: number, verify?: Verifier): boolean => verifyAnswer(terms, nonces[k], c, decodeAnswer(frames[k]), chainId, verify).ok
  for (let k = 0; k < sets; k++) {
    const verdict = verifyAnswer(terms, nonces[k], c, answers[k], chainId)
    if (!verdict.ok || !ok(k, js) || !ok(k, tronweb)) throw new Error(`answer ${k} does not verify`)
    const forged = { ...decodeAnswer(frames[k]), nonce: nonces[(k + 1) % sets] }
    if (verifyAnswer(terms, nonces[k], c, forged, chainId).ok || verifyAnswer(terms, nonces[k], c, forged, chainId, unsigned).ok) throw new Error('a replayed answer verified')
  }
  const leaves = answers.map(a => a.items.map(item => item.leaf))
  const pathLength = answers[0].items[0].path.length

  const each = (fn: (k: number) => boolean) => (): void => {
    for (let k = 0; k < sets; k++) if (!fn(k)) throw new Error(`answer ${k} failed`)
  }
  const baseline = await perSecond(sets, each(k => { const h = createHash('sha256'); for (const leaf of leaves[k]) h.update(leaf); return h.digest().length === 32 }))
  const measured: Array<[string, number]> = [
    ['SHA-256 of the c leaves (**baseline**)', baseline],
    ['Merkle checks (verifyAnswer, signature not checked)', await perSecond(sets, each(k => ok(k, unsigned)))],
    [`verifyAnswer as it is (secp256k1: ${verifier.kind})`, await perSecond(sets, each(k => ok(k)))],
    ['verifyAnswer, js secp256k1, host key kept', await perSecond(sets, each(k => ok(k, js)))],
    ['verifyAnswer, js secp256k1, cold', await perSecond(sets, each(k => { clearTypedVerifyCache(); return ok(k, js) }))],
    ['verifyAnswer with tronweb verifyTyped', await perSecond(sets, each(k => ok(k, tronweb)))]
  ]
  for (const [path, rate] of measured) {
    rows.push({
      leaf: `${leafSize / 1024} KiB`,
      path,
      'answers/s': fmt(rate),
      'leaf proofs/s': fmt(rate * c),
      'µs/answer': (1e6 / rate).toFixed(0),
      'vs baseline': (rate / baseline).toFixed(2) + '×',
      [`≥ ${target / 1000}k proofs/s`]: rate === baseline ? '' : rate * c >= target ? 'met' : 'not met'
    })
  }

  // where an answer's Merkle checks spend their time
  const decoded = frames.map(f => decodeAnswer(f))
  const root = hex(terms.merkleRoot)
  const parts: Array<[string, number]> = [
    ['decodeAnswer (binary frame)', await perSecond(sets, each(k => decodeAnswer(frames[k]).items.length === c))],
    ['challengeIndices', await perSecond(sets, each(k => challengeIndices(nonces[k], terms.id, leafCount, c).length === c))],
    ['verifyMerkleProofs (decoded)', await perSecond(sets, each(k => verifyMerkleProofs(root, leafCount, decoded[k].items).every(Boolean)))],
    ['SHA-256 of the items section (the signed digest)', await perSecond(sets, each(k => createHash('sha256').update(decoded[k].itemsBytes as Uint8Array).digest().length === 32))]
  ]
  breakdown.push(`${leafSize / 1024} KiB: ` + parts.map(([what, rate]) => `${what} ${(1e6 / rate).toFixed(0)} µs`).join(', '))

  const request = frame({ contractId: terms.id, nonce: nonces[0], at: Date.now() })
  const answerSizes = frames.map(f => varint.encodingLength(f.length) + f.length)
  const answerBytes = answerSizes.reduce((a, b) => a + b, 0) / sets
  // the JSON answer this frame replaced, for the record
  const jsonSizes = answers.map(a => frame({
    ok: true,
    answer: { contractId: a.contractId, nonce: a.nonce, signature: a.signature, items: a.items.map(item => ({ index: item.leafIndex, leaf: Buffer.from(item.leaf).toString('base64'), path: item.path.map(h => '0x' + Buffer.from(h).toString('hex')) })) }
  }))
  const jsonBytes = jsonSizes.reduce((a, b) => a + b, 0) / sets
  bytesRows.push({
    leaf: `${leafSize / 1024} KiB`,
    'tree leaves': `2^${Math.log2(leafCount).toFixed(0)}`,
    'path hashes': pathLength,
    'request B': request,
    'answer B (binary)': Math.min(...answerSizes) === Math.max(...answerSizes) ? answerBytes : `${fmt(answerBytes)} (mean)`,
    'round B': fmt(request + answerBytes),
    'old JSON answer B': fmt(jsonBytes),
    'binary / JSON': (answerBytes / jsonBytes).toFixed(2) + '×',
    'per contract per day (1h)': `${((request + answerBytes) * roundsPerDay / 1024).toFixed(0)} KiB`
  })
  console.log(`${leafSize / 1024} KiB leaves: ${leafCount} leaves, ${pathLength}-hash paths, done`)
}

console.log(`\n## verifying answers: c = ${c}, one core (target ≥ ${fmt(target)} leaf proofs/s)`)
table(rows)
console.log('per answer, the parts of the Merkle checks:')
for (const line of breakdown) console.log(`  ${line}`)

// ---- the signature alone ----
const typed = proofTypedData('0x' + '11'.repeat(32), '0x' + '22'.repeat(32), '0x' + '33'.repeat(32), chainId)
const signature = Trx.signTypedData(typed.domain, typed.types, typed.value, hostKey)
clearTypedVerifyCache()
const first = process.hrtime.bigint()
js(typed, signature, hostAddress)
const second = process.hrtime.bigint()
js(typed, signature, hostAddress)
const third = process.hrtime.bigint()
const check = (verify: Verifier) => () => { if (!verify(typed, signature, hostAddress)) throw new Error('bad') }
const sigRows: Array<[string, number]> = [
  ['wallet.verifyTyped (tronweb Trx.verifyTypedData)', await perSecond(1, async () => { if (!await verifyTyped(typed, signature, hostAddress)) throw new Error('bad') })],
  ...(verifier.kind === 'native' ? [['verifyTypedFast, native libsecp256k1', await perSecond(1, check(verifier.verify))] as [string, number]] : []),
  ['verifyTypedFast, js, key kept', await perSecond(1, check(js))],
  ['verifyTypedFast, js, cold (recovery)', await perSecond(1, () => { clearTypedVerifyCache(); check(js)() })]
]
console.log(`\n## TIP-712 signature checks alone (Proof typed data)`)
table(sigRows.map(([path, rate]) => ({ path, 'verifies/s': fmt(rate), µs: (1e6 / rate).toFixed(0), 'vs tronweb': (rate / sigRows[0][1]).toFixed(2) + '×' })))
console.log(`js backend, a new signer: first check ${(Number(second - first) / 1e6).toFixed(1)} ms (recovery), second ${(Number(third - second) / 1e6).toFixed(1)} ms (builds the key's table)`)

console.log(`\n## bytes per challenge round per contract (frames with their varint length; libp2p framing not counted)`)
table(bytesRows)
console.log('binary answer: 131-byte header + c × (8-byte index + 4-byte length + leaf + 1 + 32 B per path hash); old JSON answer: base64 leaves, 0x-hex paths')
