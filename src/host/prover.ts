import type { Connection, Stream } from '@libp2p/interface'
import type { ContractStore } from '../contracts/store.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import { HASH_BYTES, MerkleTree, leafCountOf, leafHash } from '../merkle/index.js'
import { Channel, protocols } from '../network/framing.js'
import type { Network } from '../network/network.js'
import { challengeIndices, itemsDigest, proofTypedData, type ChallengeAnswer, type ProofItem } from '../proofs/challenge.js'
import type { Bucket, Datastore } from '../store/index.js'
import type { Wallet } from '../wallet/wallet.js'
import type { HostShardStore } from './shard-store.js'

/** A challenge this host received, and what it answered. */
export interface HostChallenge {
  at: number
  contractId: string
  renterPeer: string
  nonce: string
  indices: number[]
  answered: boolean
  error?: string
}

/**
 * The key of a challenge in the `host-challenges` log: received time (unix ms, 13 digits) and the
 * contract; with no contract, the lower bound of every key of that millisecond (for range reads).
 */
export function challengeLogKey (at: number, contractId = ''): string {
  return `${String(Math.max(0, Math.floor(at))).padStart(13, '0')}/${contractId}`
}

export interface ProverComponents {
  network: Network
  wallet: Wallet
  contracts: ContractStore
  shards: HostShardStore
  datastore: Datastore
  logger: Logger
  chainId: number
  /** Leaves asked per challenge (proofs.leaves). */
  leaves: number
  /** True when the renter (by wallet address) is overdue with its cheques: its challenges are refused. */
  overdue?: (renter: { address?: string, peer?: string }) => Promise<boolean>
}

/** Trees kept in memory (64 bytes per leaf each), least recently used dropped first. */
const treeCacheSize = 16

/**
 * The host side of proofs of storage over /btfs-ts/challenge/1.0.0: for a contract it holds,
 * answers a nonce with the leaves the nonce selects, read from the shard file, and their Merkle
 * paths, signed with the wallet key. Every challenge is logged (GET /host/challenges).
 */
export class HostProver {
  readonly #c: ProverComponents
  readonly #log: Bucket<string, HostChallenge>
  readonly #trees = new Map<string, Promise<MerkleTree>>()

  constructor (components: ProverComponents) {
    this.#c = components
    this.#log = components.datastore.bucket<string, HostChallenge>('host-challenges', 'utf8', 'json')
  }

  async start (): Promise<void> {
    await this.#c.network.libp2p.handle(protocols.challenge, (stream, conn) => { this.#serve(stream, conn) })
  }

  /** The most recent challenges, newest first. */
  async list (limit = 100): Promise<HostChallenge[]> {
    const out: HostChallenge[] = []
    for await (const value of this.#log.values({ reverse: true, limit })) out.push(value)
    return out
  }

  #serve (stream: Stream, conn: Connection): void {
    const ch = new Channel(stream)
    this.#answer(ch, conn).catch(async (err: Error) => {
      await ch.send({ ok: false, code: err instanceof AppError ? err.code : 'INTERNAL', message: err instanceof AppError ? err.message : 'internal error' }).catch(() => {})
    }).finally(() => { void ch.close() })
  }

  async #answer (ch: Channel, conn: Connection): Promise<void> {
    const msg = await ch.receive<{ contractId?: string, nonce?: string }>({ signal: AbortSignal.timeout(30_000) })
    if (typeof msg.contractId !== 'string' || typeof msg.nonce !== 'string' || !/^0x[0-9a-f]{64}$/.test(msg.nonce)) throw new AppError('PROTOCOL_ERROR', 'expected {contractId, nonce}')
    const entry: HostChallenge = { at: Date.now(), contractId: msg.contractId, renterPeer: conn.remotePeer.toString(), nonce: msg.nonce, indices: [], answered: false }
    const key = challengeLogKey(entry.at, entry.contractId)
    try {
      const record = await this.#c.contracts.get('host', msg.contractId)
      if (record === undefined || record.state !== 'stored') throw new AppError('NOT_FOUND', 'this host holds no shard under that contract')
      const t = record.terms
      // Only the contract's renter may challenge: a round costs the host reads and a signature, and
      // the rounds it answers are what the renter owes for.
      if (conn.remotePeer.toString() !== t.renterPeer) throw new AppError('PROTOCOL_ERROR', 'only the renter of a contract may challenge it')
      if (await this.#c.overdue?.({ address: t.renter }) === true) throw new AppError('OVERDUE', 'this renter is overdue with its cheques: challenges are refused until it pays')
      const leafCount = leafCountOf(t.shardSize, t.leafSize)
      entry.indices = challengeIndices(msg.nonce, t.id, leafCount, this.#c.leaves)
      const handle = await this.#c.shards.open(t.shardCid)
      if (handle === undefined) throw new AppError('NOT_FOUND', 'the shard file is missing')
      try {
        const tree = await this.#tree(t.shardCid, t.leafSize, t.shardSize)
        const items: ProofItem[] = []
        for (const index of entry.indices) {
          const leaf = Buffer.alloc(Math.min(t.leafSize, t.shardSize - index * t.leafSize))
          await handle.read(leaf, 0, leaf.length, index * t.leafSize)
          items.push({ index, leaf: leaf.toString('base64'), path: tree.proof(index).map(h => '0x' + Buffer.from(h).toString('hex')) })
        }
        const signature = await this.#c.wallet.signTyped(proofTypedData(t.id, msg.nonce, itemsDigest(items), this.#c.chainId))
        const answer: ChallengeAnswer = { contractId: t.id, nonce: msg.nonce, items, signature }
        // Logged before it is sent: the renter may pay for the round as soon as it has the answer.
        entry.answered = true
        await this.#log.put(key, entry)
        await ch.send({ ok: true, answer })
      } finally {
        await handle.close()
      }
    } catch (err) {
      // (an answered round is logged before it is sent; this records why one was not, or failed to go out)
      entry.error = (err as Error).message
      await this.#log.put(key, entry).catch(() => {})
      throw err
    }
  }

  /**
   * The shard's Merkle tree, built once from the file (4 MiB reads, 64 bytes per leaf kept). It
   * is built from the bytes on disk, so a corrupted leaf yields a path to a different root and
   * the renter's check fails, as it must.
   */
  async #tree (cid: string, leafSize: number, size: number): Promise<MerkleTree> {
    let tree = this.#trees.get(cid)
    if (tree === undefined) {
      tree = this.#build(cid, leafSize, size)
      tree.catch(() => { this.#trees.delete(cid) })
      this.#trees.set(cid, tree)
      if (this.#trees.size > treeCacheSize) this.#trees.delete(this.#trees.keys().next().value as string)
    } else {
      this.#trees.delete(cid)
      this.#trees.set(cid, tree)
    }
    return await tree
  }

  async #build (cid: string, leafSize: number, size: number): Promise<MerkleTree> {
    const handle = await this.#c.shards.open(cid)
    if (handle === undefined) throw new AppError('NOT_FOUND', 'the shard file is missing')
    try {
      const count = leafCountOf(size, leafSize)
      const hashes = new Uint8Array(count * HASH_BYTES)
      const chunk = Buffer.alloc(Math.max(leafSize, Math.floor(4 * 1024 * 1024 / leafSize) * leafSize))
      for (let i = 0, at = 0; at < size;) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - at), at)
        if (bytesRead === 0) break
        for (let o = 0; o < bytesRead; o += leafSize, i++) hashes.set(leafHash(chunk.subarray(o, Math.min(o + leafSize, bytesRead))), i * HASH_BYTES)
        at += bytesRead
      }
      return MerkleTree.fromLeafHashes(hashes)
    } finally {
      await handle.close()
    }
  }

  /** Forgets a cached tree (the shard changed or was deleted). */
  forget (cid: string): void {
    this.#trees.delete(cid)
  }
}
