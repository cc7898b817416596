import type { ContractStore } from '../contracts/store.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../logger.js'
import { HASH_BYTES, MerkleTree, leafCountOf, leafHash, type MerkleProofItem } from '../merkle/index.js'
import { RemoteRefusal } from '../network/errors.js'
import type { Network } from '../network/interface.js'
import { handleChallenge, type ChallengeRequestValue } from '../network/protocols/challenge.js'
import { encodeAnswer } from '../proofs/answer-codec.js'
import { challengeIndices, itemsDigest, proofTypedData } from '../proofs/challenge.js'
import type { Wallet } from '../wallet/wallet.js'
import type { HostBook } from './book.js'
import type { HostChallenge, HostRounds } from './rounds.js'
import type { HostShardStore } from './shard-store.js'

export { challengeLogKey, type HostChallenge } from './rounds.js'

export interface ProverComponents {
  network: Network
  wallet: Wallet
  contracts: ContractStore
  book: HostBook
  rounds: HostRounds
  shards: HostShardStore
  logger: Logger
  chainId: number
  /** True when the renter (by wallet address) is overdue with its cheques: its challenges are refused. */
  overdue?: (renter: string) => Promise<boolean>
}

/** How far a challenge's `at` may be from the host's clock (ms): periods in cheques end at it. */
export const challengeSkewMs = 60_000
/** Memory the cached Merkle trees may use (about 64 bytes per leaf each). */
const treeCacheBytes = 64 * 1024 * 1024

/**
 * The host side of proofs of storage over /btfs-ts/challenge/1.0.0: for a contract it holds, its
 * renter's nonce is answered with the leaves the nonce selects (as many as the contract's signed
 * policy says), read from the shard file, and their Merkle paths, signed with the wallet key and
 * sent as one binary frame. A contract's renter may challenge it about as often as the policy
 * signed in it allows (a token bucket per contract); anyone else's challenge is refused and
 * leaves nothing on disk. Every round of a contract is recorded (HostRounds): cheques are checked
 * against these records.
 */
export class HostProver {
  readonly #c: ProverComponents
  readonly #trees = new Map<string, { tree: Promise<MerkleTree>, bytes: number }>()
  #treeBytes = 0
  readonly #buckets = new Map<string, { tokens: number, at: number }>()

  constructor (components: ProverComponents) {
    this.#c = components
  }

  async start (): Promise<void> {
    await handleChallenge(this.#c.network, async (request, peer) => await this.#answer(request, peer))
  }

  /** Drops the cached trees (answers under way end with the network, which stops after this). */
  async stop (): Promise<void> {
    for (const cid of [...this.#trees.keys()]) this.forget(cid)
    this.#buckets.clear()
  }

  /** The most recent challenges, newest first. */
  async list (limit = 100): Promise<HostChallenge[]> {
    return await this.#c.rounds.list(limit)
  }

  /**
   * The policy's rate, enforced: a bucket of 8 challenges refilled at 4 per signed interval, so an
   * honest renter's random (exponential) gaps always pass and a flood is held to 4× the policy.
   */
  #withinPolicy (contractId: string, intervalMs: number, now: number): boolean {
    const burst = 8
    const state = this.#buckets.get(contractId) ?? { tokens: burst, at: now }
    state.tokens = Math.min(burst, state.tokens + (now - state.at) * 4 / intervalMs)
    state.at = now
    this.#buckets.set(contractId, state)
    if (this.#buckets.size > 100_000) this.#buckets.delete(this.#buckets.keys().next().value as string)
    if (state.tokens < 1) return false
    state.tokens--
    return true
  }

  async #answer (request: ChallengeRequestValue, peer: string): Promise<Uint8Array> {
    const entry = this.#c.book.get(request.contractId)
    // Only the contract's renter may challenge, and only a stored shard: a stranger's challenge is
    // refused before any disk access and is not logged.
    if (entry === undefined || entry.renterPeer !== peer || entry.state !== 'stored') throw new RemoteRefusal('NOT_FOUND', 'this host holds no shard of yours under that contract')
    const record = await this.#c.contracts.get('host', request.contractId)
    if (record === undefined) throw new RemoteRefusal('NOT_FOUND', 'this host holds no shard of yours under that contract')
    const t = record.terms
    const now = Date.now()
    if (!this.#withinPolicy(t.id, t.challengeIntervalMs, now)) throw new RemoteRefusal('RATE_LIMITED', `challenged more often than the contract's policy (every ${t.challengeIntervalMs} ms)`)
    const log: HostChallenge = { at: now, contractId: t.id, renterPeer: peer, nonce: request.nonce, indices: [], answered: false }
    const round = { nonce: request.nonce, at: request.at, received: now, answered: false }
    try {
      if (Math.abs(request.at - now) > challengeSkewMs) throw new RemoteRefusal('CLOCK_SKEW', `the challenge's time is ${Math.round((request.at - now) / 1000)} s from this host's clock`)
      if (await this.#c.overdue?.(t.renter) === true) throw new RemoteRefusal('OVERDUE', 'this renter is overdue with its cheques: challenges are refused until it pays')
      const leafCount = leafCountOf(t.shardSize, t.leafSize)
      log.indices = challengeIndices(request.nonce, t.id, leafCount, t.challengeLeaves)
      const handle = await this.#c.shards.open(t.shardCid)
      if (handle === undefined) throw new RemoteRefusal('NOT_FOUND', 'the shard file is missing')
      let items: MerkleProofItem[]
      try {
        const tree = await this.#tree(t.shardCid, t.leafSize, t.shardSize)
        items = await Promise.all(log.indices.map(async index => {
          const leaf = Buffer.alloc(Math.min(t.leafSize, t.shardSize - index * t.leafSize))
          await handle.read(leaf, 0, leaf.length, index * t.leafSize)
          return { leafIndex: index, leaf, path: tree.proof(index) }
        }))
      } finally {
        await handle.close()
      }
      const signature = await this.#c.wallet.signTyped(proofTypedData(t.id, request.nonce, itemsDigest(items), this.#c.chainId))
      const frame = encodeAnswer({ contractId: t.id, nonce: request.nonce, items, signature })
      // Recorded (synced) before it is sent: the renter may pay for the round as soon as it has the answer.
      log.answered = round.answered = true
      await this.#c.rounds.record(t.id, round, log)
      return frame
    } catch (err) {
      if (!log.answered) {
        log.error = (err as Error).message.slice(0, 1024)
        await this.#c.rounds.record(t.id, round, log).catch(() => {})
      }
      throw err
    }
  }

  /**
   * The shard's Merkle tree, built once from the file (4 MiB reads, 64 bytes per leaf kept). It
   * is built from the bytes on disk, so a corrupted leaf yields a path to a different root and
   * the renter's check fails, as it must. Trees are kept, least recently used dropped first,
   * while they fit in `treeCacheBytes`.
   */
  async #tree (cid: string, leafSize: number, size: number): Promise<MerkleTree> {
    const cached = this.#trees.get(cid)
    if (cached !== undefined) {
      this.#trees.delete(cid)
      this.#trees.set(cid, cached)
      return await cached.tree
    }
    const bytes = leafCountOf(size, leafSize) * 64
    const tree = this.#build(cid, leafSize, size)
    const entry = { tree, bytes }
    tree.catch(() => { if (this.#trees.get(cid) === entry) this.forget(cid) })
    this.#trees.set(cid, entry)
    this.#treeBytes += bytes
    for (const [key] of this.#trees) {
      if (this.#treeBytes <= treeCacheBytes || key === cid) break
      this.forget(key)
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
    const entry = this.#trees.get(cid)
    if (entry === undefined) return
    this.#trees.delete(cid)
    this.#treeBytes -= entry.bytes
  }
}
