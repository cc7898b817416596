import { createHash } from 'node:crypto'
import { domain, type ContractTerms } from '../contracts/terms.js'
import { leafCountOf, verifyMerkleProof } from '../merkle/index.js'
import { verifyTyped, type TypedData } from '../wallet/wallet.js'

/** One proven leaf: its index, its bytes and its audit path. */
export interface ProofItem {
  index: number
  /** base64 */
  leaf: string
  /** 0x-hex hashes, leaf level first */
  path: string[]
}

/** A host's signed answer to a challenge. */
export interface ChallengeAnswer {
  contractId: string
  /** 0x + the renter's 32 random bytes */
  nonce: string
  items: ProofItem[]
  /** TIP-712 signature of (contractId, nonce, digest of the items) by the host's wallet */
  signature: string
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
  for (let j = 0; j < c; j++) {
    const jb = Buffer.alloc(4)
    jb.writeUInt32BE(j)
    const d = createHash('sha256').update(label).update(hex(nonce)).update(hex(contractId)).update(jb).digest()
    out.push(Number(d.readBigUInt64BE(0) % BigInt(leafCount)))
  }
  return out
}

/** SHA-256 over the items in a canonical byte form: what the host's signature covers. */
export function itemsDigest (items: readonly ProofItem[]): string {
  const h = createHash('sha256')
  for (const item of items) {
    const ib = Buffer.alloc(8)
    ib.writeBigUInt64BE(BigInt(item.index))
    const leaf = Buffer.from(item.leaf, 'base64')
    const lb = Buffer.alloc(4)
    lb.writeUInt32BE(leaf.length)
    h.update(ib).update(lb).update(leaf)
    for (const p of item.path) h.update(hex(p))
  }
  return '0x' + h.digest('hex')
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
export async function verifyAnswer (terms: ContractTerms, nonce: string, c: number, answer: ChallengeAnswer, chainId: number): Promise<Verdict> {
  if (answer.contractId !== terms.id) return { ok: false, reason: 'answer is for another contract' }
  if (answer.nonce !== nonce) return { ok: false, reason: 'answer is for another challenge (stale or replayed nonce)' }
  const leafCount = leafCountOf(terms.shardSize, terms.leafSize)
  const want = challengeIndices(nonce, terms.id, leafCount, c)
  if (!Array.isArray(answer.items) || answer.items.length !== want.length) return { ok: false, reason: `expected ${want.length} leaves` }
  const root = hex(terms.merkleRoot)
  for (let j = 0; j < want.length; j++) {
    const item = answer.items[j] as ProofItem
    if (item.index !== want[j]) return { ok: false, reason: `leaf ${j} is not the one asked for` }
    let ok = false
    try {
      ok = verifyMerkleProof(root, item.index, leafCount, Buffer.from(item.leaf, 'base64'), item.path.map(hex))
    } catch {}
    if (!ok) return { ok: false, reason: `leaf ${item.index} does not prove against the contract's Merkle root` }
  }
  if (!await verifyTyped(proofTypedData(terms.id, nonce, itemsDigest(answer.items), chainId), answer.signature, terms.host)) {
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
