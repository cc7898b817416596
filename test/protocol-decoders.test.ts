/**
 * Property-based tests of every wire message decoder: whatever bytes a peer sends — random, or a
 * valid message with one field changed, dropped or added — a decoder either returns a value its
 * schema allows or refuses with the protocol's BAD_MESSAGE violation; it never throws anything
 * else, and a refused frame yields nothing a handler could act on. The binary challenge answer
 * decoder likewise refuses with AnswerFormatError and never reads past its frame, and the verdict
 * on whatever it decodes is a verdict, never a throw.
 */
import t from 'tap'
import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { contractTypedData, type ContractTerms } from '../src/contracts/terms.js'
import { MerkleTree, leafCountOf } from '../src/merkle/index.js'
import { ProtocolViolation } from '../src/network/errors.js'
import type { Message } from '../src/network/message.js'
import { AckMessage } from '../src/network/credits.js'
import { ErrorReplyMessage } from '../src/network/protocol.js'
import { AdReply } from '../src/network/protocols/host-ad.js'
import { AcceptMessage, ProposalMessage } from '../src/network/protocols/contract.js'
import { ShardRequest } from '../src/network/protocols/shard.js'
import { ChallengeRequest } from '../src/network/protocols/challenge.js'
import { ChequeMessage } from '../src/network/protocols/cheque.js'
import { AnswerFormatError, decodeAnswer, encodeAnswer } from '../src/proofs/answer-codec.js'
import { challengeIndices, itemsDigest, proofTypedData, verifyAnswer } from '../src/proofs/challenge.js'
import { Wallet } from '../src/wallet/wallet.js'
import { mutated } from './helpers/fuzz.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { randomAddress, randomPeerId, termsFor } from './helpers/terms.js'
import type { TSchema } from 'typebox'

const runs = { numRuns: 300 }
const encoder = new TextEncoder()

/** Decodes `frame` with `message`: the value when valid, 'refused' when BAD_MESSAGE; anything else fails the property. */
function decodeOrRefuse (message: Message<TSchema>, frame: Uint8Array): unknown {
  try {
    const value = message.decode(frame)
    if (!message.is(value)) throw new Error('decode returned a value its schema refuses')
    return value
  } catch (err) {
    if (err instanceof ProtocolViolation && err.code === 'BAD_MESSAGE') return 'refused'
    throw err
  }
}

t.test('every message decoder refuses what its schema does not allow, and only with BAD_MESSAGE', async t => {
  const wallet = await Wallet.open(`${t.testdir()}/w.key`)
  const data = pseudoRandomBytes(70_000, 5)
  const terms: ContractTerms = { ...await termsFor(data), renter: wallet.address }
  const signature = await wallet.signTyped(contractTypedData(terms, 728126428))
  const samples: Array<[string, Message<TSchema>, unknown]> = [
    ['host ad', AdReply as unknown as Message<TSchema>, { ok: true, ad: { peerId: await randomPeerId(), address: randomAddress(), price: '1', capacity: 10, free: 5, minDuration: 1, maxDuration: 30, collateral: '0', expiry: 1_800_000_000 }, signature }],
    ['proposal', ProposalMessage as unknown as Message<TSchema>, { type: 'propose', terms, renterSignature: signature }],
    ['acceptance', AcceptMessage as unknown as Message<TSchema>, { ok: true, hostSignature: signature }],
    ['shard request', ShardRequest as unknown as Message<TSchema>, { op: 'get', contractId: terms.id, offset: 0, length: 100 }],
    ['challenge', ChallengeRequest as unknown as Message<TSchema>, { contractId: terms.id, nonce: terms.merkleRoot, at: Date.now() }],
    ['cheque', ChequeMessage as unknown as Message<TSchema>, { cheque: { vault: wallet.address, beneficiary: randomAddress(), cumulativePayout: '12', signature }, periods: [{ contractId: terms.id, nonce: terms.merkleRoot, from: 1, to: 2, verdict: 'pass', amount: '12' }] }],
    ['ack', AckMessage as unknown as Message<TSchema>, { ack: 1048576 }],
    ['error reply', ErrorReplyMessage as unknown as Message<TSchema>, { ok: false, code: 'NOT_FOUND', message: 'no' }]
  ]
  for (const [name, message, sample] of samples) {
    t.ok(message.is(sample), `${name}: the sample is valid`)
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), bytes => { decodeOrRefuse(message, bytes) }), runs)
    fc.assert(fc.property(fc.jsonValue(), value => { decodeOrRefuse(message, encoder.encode(JSON.stringify(value))) }), runs)
    fc.assert(fc.property(mutated(sample), value => {
      const out = decodeOrRefuse(message, encoder.encode(JSON.stringify(value)))
      // a mutation the schema still allows decodes to exactly what was sent
      if (out !== 'refused') t.same(out, JSON.parse(JSON.stringify(value)))
    }), runs)
    t.pass(`${name}: random bytes, random JSON and mutated messages are values or BAD_MESSAGE, nothing else`)
  }
  // the formats bite, not only the shapes: a CID, peer id and address that do not parse
  const bad = (patch: Partial<ContractTerms>): unknown => decodeOrRefuse(ProposalMessage as unknown as Message<TSchema>, encoder.encode(JSON.stringify({ type: 'propose', terms: { ...terms, ...patch }, renterSignature: signature })))
  t.equal(bad({ shardCid: 'not-a-cid' }), 'refused', 'shardCid that is no CID')
  t.equal(bad({ shardCid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o' }), 'refused', 'a CID that is not a raw sha2-256 CIDv1')
  t.equal(bad({ renterPeer: '12D3KooWnope' }), 'refused', 'a peer id that does not parse')
  t.equal(bad({ renter: 'T' + 'A'.repeat(33) }), 'refused', 'a TRON address with a bad checksum')
  t.equal(bad({ price: (2n ** 256n).toString() }), 'refused', 'a price above uint256')
  t.equal(bad({ shardSize: 1e300 }), 'refused', 'a size past the largest shard')
  t.equal(bad({ challengeLeaves: 65 }), 'refused', 'more leaves than any answer carries')
})

t.test('the answer decoder refuses malformed frames with AnswerFormatError, never reading past the end', async t => {
  const wallet = await Wallet.open(`${t.testdir()}/w.key`)
  const leafSize = 1024
  const data = pseudoRandomBytes(50 * 1024 + 5, 9)
  const terms: ContractTerms = { ...await termsFor(data, {}, leafSize), host: wallet.address }
  const tree = MerkleTree.fromShard(data, leafSize)
  const nonce = '0x' + randomBytes(32).toString('hex')
  const items = challengeIndices(nonce, terms.id, leafCountOf(data.length, leafSize), terms.challengeLeaves)
    .map(index => ({ leafIndex: index, leaf: data.subarray(index * leafSize, Math.min(data.length, (index + 1) * leafSize)), path: tree.proof(index) }))
  const frame = encodeAnswer({ contractId: terms.id, nonce, items, signature: await wallet.signTyped(proofTypedData(terms.id, nonce, itemsDigest(items), 728126428)) })
  t.same(verifyAnswer(terms, nonce, terms.challengeLeaves, decodeAnswer(frame), 728126428), { ok: true }, 'the honest frame verifies')

  const judge = (bytes: Uint8Array): 'refused' | 'pass' | 'fail' => {
    let answer
    try {
      answer = decodeAnswer(bytes)
    } catch (err) {
      if (err instanceof AnswerFormatError) return 'refused'
      throw err
    }
    for (const item of answer.items) {
      const end = item.leaf.byteOffset + item.leaf.length
      if (item.leaf.buffer !== bytes.buffer || end > bytes.byteOffset + bytes.length) throw new Error('a leaf reaches past the frame')
    }
    return verifyAnswer(terms, nonce, terms.challengeLeaves, answer, 728126428).ok ? 'pass' : 'fail'
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), bytes => { judge(bytes) }), runs)
  fc.assert(fc.property(fc.integer({ min: 0, max: frame.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
    const copy = Uint8Array.from(frame)
    copy[at] = (copy[at] as number) ^ flip
    t.not(judge(copy), 'pass', `a changed byte at ${at} never passes`)
  }), { numRuns: 200 })
  fc.assert(fc.property(fc.integer({ min: 0, max: frame.length - 1 }), cut => { t.equal(judge(frame.subarray(0, cut)), 'refused') }), { numRuns: 100 })
})
