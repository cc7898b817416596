/**
 * Contract terms for unit tests: every field valid under ContractTermsSchema (real TRON addresses
 * and peer ids, a canonical shard CID of the given bytes), so records built from them are read
 * back by the stores like any other, and a test changes only the fields it is about.
 */
import { createHash, randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { contractAmount, type ContractTerms } from '../../src/contracts/terms.js'
import { MerkleTree } from '../../src/merkle/index.js'
import { tronAddress } from '../../src/wallet/wallet.js'

/** A valid TRON address of a random key. */
export function randomAddress (): string {
  for (;;) {
    try { return tronAddress(randomBytes(32)) } catch {}
  }
}

/** A valid libp2p peer id string. */
export async function randomPeerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

/** The canonical shard CID (CIDv1 raw sha2-256) of `data`. */
export function shardCidOf (data: Uint8Array): string {
  return CID.createV1(raw.code, createDigest(0x12, createHash('sha256').update(data).digest())).toString()
}

/** 0x + 65 bytes: shaped like a signature (for records whose signatures a test does not check). */
export function fakeSignature (): string {
  return '0x' + randomBytes(65).toString('hex')
}

/** The parties of a contract: wallets and peer ids. */
export interface Parties { renter: string, renterPeer: string, host: string, hostPeer: string }

/**
 * Terms between `parties` for `data` (its real CID and Merkle root at `leafSize`), valid in every
 * field, with `overrides`; the amount is price × size × duration unless overridden.
 */
export function termsBetween (parties: Parties, data: Uint8Array, overrides: Partial<ContractTerms> = {}, leafSize = 4096): ContractTerms {
  const terms: ContractTerms = {
    id: '0x' + randomBytes(32).toString('hex'),
    ...parties,
    shardCid: shardCidOf(data),
    shardSize: data.length,
    merkleRoot: '0x' + Buffer.from(MerkleTree.fromShard(data, leafSize).root).toString('hex'),
    leafSize,
    start: Math.floor(Date.now() / 1000),
    duration: 30,
    price: '1',
    amount: '0',
    challengeIntervalMs: 3_600_000,
    challengeLeaves: 8,
    ...overrides
  }
  return { ...terms, amount: overrides.amount ?? contractAmount(BigInt(terms.price), terms.shardSize, terms.duration).toString() }
}

/** Terms for `data` between random parties, valid in every field, with `overrides`. */
export async function termsFor (data: Uint8Array, overrides: Partial<ContractTerms> = {}, leafSize = 4096): Promise<ContractTerms> {
  return termsBetween({ renter: randomAddress(), renterPeer: await randomPeerId(), host: randomAddress(), hostPeer: await randomPeerId() }, data, overrides, leafSize)
}
