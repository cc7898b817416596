import { createHash } from 'node:crypto'
import { domain, type ContractTerms } from '../contracts/terms.js'
import { leafCountOf, verifyMerkleProofs, type MerkleProofItem } from '../merkle/index.js'
import { encodeItems } from './answer-codec.js'
import { type TypedData } from '../wallet/wallet.js'
import { verifyTypedFast } from '../wallet/typed-verify.js'

/**
 * A host's signed answer to a challenge. On the wire it is one binary frame (answer-codec.ts):
 * raw leaves and 32-byte path hashes, no JSON, no base64 — a third to two fifths fewer bytes than
 * the JSON form it replaced, and a decode that is a few subarray() calls.
 */
export interface ChallengeAnswer {
  /** 0x + 32 bytes */
  contractId: string
  /** 0x + the renter's 32 random bytes */
  nonce: string
  items: MerkleProofItem[]
  /** TIP-712 signature of (contractId, nonce, SHA-256 of the encoded items) by the host's wallet, 0x-hex */
  signature: string
  /** The encoded items as they came off the wire (their digest is what is signed); set by decodeAnswer. */
  itemsBytes?: Uint8Array
}

const label = Buffer.from('btfs-ts/challenge/v1')
const hex = (s: string): Buffer => Buffer.from(s.replace(/^0x/, ''), 'hex')

/**
 * The leaves a challenge asks for: index j = SHA-256(label ‖ nonce ‖ contract id ‖ j) mod n,
 * for j < c. A fresh random nonce per round means a host cannot know them in advance, so it
 * must keep the leaves (or every leaf's path and bytes, i.e. the shard).
 */
export function challengeIndices (nonce: string, contractId: string, leafCount: number, c: number): number[] {
  const out: number[] = []
  const prefix = createHash('sha256').update(label).update(hex(nonce)).update(hex(contractId))
  const jb = Buffer.alloc(4)
  for (let j = 0; j < c; j++) {
    jb.writeUInt32BE(j)
    const d = prefix.copy().update(jb).digest()
    out.push(Number(d.readBigUInt64BE(0) % BigInt(leafCount)))
  }
  return out
}

/** SHA-256 of the canonical (wire) encoding of the items: what the host's signature covers. */
export function itemsDigest (items: readonly MerkleProofItem[]): string {
  return '0x' + createHash('sha256').update(encodeItems(items)).digest('hex')
}

const proofTypes = {
  Proof: [
    { name: 'contractId', type: 'bytes32' },
    { name: 'nonce', type: 'bytes32' },
    { name: 'digest', type: 'bytes32' }
  ]
}

export function proofTypedData (contractId: string, nonce: string, digest: string, chainId: number): TypedData {
  return { domain: domain(chainId), types: proofTypes, value: { contractId, nonce, digest } }
}

/** A TIP-712 signature check: verifyTypedFast, or another backend's (bench:proofs compares them). */
export type SignatureCheck = (data: TypedData, signature: string, signer: string) => boolean

/** The verdict on an answer; `reason` says what failed. */
export interface Verdict {
  ok: boolean
  reason?: string
}

/**
 * Checks an answer against the signed contract alone (its Merkle root and shard size): the nonce
 * is the one sent (a replayed answer fails), the leaves are the ones asked for, every path leads
 * to the root, and the host's wallet signed it. The renter holds no shard data.
 */
export function verifyAnswer (terms: ContractTerms, nonce: string, c: number, answer: ChallengeAnswer, chainId: number, verify: SignatureCheck = verifyTypedFast): Verdict {
  if (answer.contractId !== terms.id) return { ok: false, reason: 'answer is for another contract' }
  if (answer.nonce !== nonce) return { ok: false, reason: 'answer is for another challenge (stale or replayed nonce)' }
  const leafCount = leafCountOf(terms.shardSize, terms.leafSize)
  const want = challengeIndices(nonce, terms.id, leafCount, c)
  const items = answer.items
  if (items.length !== want.length) return { ok: false, reason: `expected ${want.length} leaves` }
  const stray = items.findIndex((item, j) => item.leafIndex !== want[j])
  if (stray >= 0) return { ok: false, reason: `leaf ${stray} is not the one asked for` }
  const bad = verifyMerkleProofs(hex(terms.merkleRoot), leafCount, items).indexOf(false)
  if (bad >= 0) return { ok: false, reason: `leaf ${want[bad]} does not prove against the contract's Merkle root` }
  const digest = '0x' + createHash('sha256').update(answer.itemsBytes ?? encodeItems(items)).digest('hex')
  if (!verify(proofTypedData(terms.id, nonce, digest, chainId), answer.signature, terms.host)) {
    return { ok: false, reason: "the answer is not signed by the host's wallet" }
  }
  return { ok: true }
}

/** Parses durations like 500ms, 2s, 10m, 1h, 1d into milliseconds. */
export function parseDuration (text: string): number {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(text)
  if (m === null) throw new Error(`not a duration: ${text}`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']
  return Number(m[1]) * unit
}
