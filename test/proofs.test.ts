import t from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { MerkleTree, leafCountOf } from '../src/merkle/index.js'
import { challengeIndices, itemsDigest, parseDuration, proofTypedData, verifyAnswer, type ChallengeAnswer } from '../src/proofs/challenge.js'
import type { ContractTerms } from '../src/contracts/terms.js'
import { Wallet } from '../src/wallet/wallet.js'
import { pseudoRandomBytes } from './helpers/node.js'

const chainId = 728126428
const leafSize = 1024
const c = 8

function termsFor (shard: Uint8Array, host: string, id = '0x' + '42'.repeat(32)): ContractTerms {
  return {
    id, renter: host, renterPeer: 'r', host, hostPeer: 'h', shardCid: 'bafk', shardSize: shard.length,
    merkleRoot: '0x' + Buffer.from(MerkleTree.fromShard(shard, leafSize).root).toString('hex'), leafSize,
    start: 0, duration: 30, price: '1', amount: '1', challengeInterval: 3600, challengeLeaves: c
  }
}

/** What an honest host answers, from `data` (its copy of the shard). */
async function answer (wallet: Wallet, terms: ContractTerms, nonce: string, data: Uint8Array): Promise<ChallengeAnswer> {
  const tree = MerkleTree.fromShard(data, leafSize)
  const items = challengeIndices(nonce, terms.id, leafCountOf(data.length, leafSize), c).map(index => ({
    index,
    leaf: Buffer.from(data.subarray(index * leafSize, Math.min(data.length, (index + 1) * leafSize))).toString('base64'),
    path: tree.proof(index).map(h => '0x' + Buffer.from(h).toString('hex'))
  }))
  return { contractId: terms.id, nonce, items, signature: await wallet.signTyped(proofTypedData(terms.id, nonce, itemsDigest(items), chainId)) }
}

const nonce = (): string => '0x' + randomBytes(32).toString('hex')

t.test('an honest answer verifies against the 32-byte root alone; cheats and replays do not', async t => {
  const dir = t.testdir()
  const host = await Wallet.open(join(dir, 'host.key'))
  const other = await Wallet.open(join(dir, 'other.key'))
  const shard = pseudoRandomBytes(300 * 1024 + 17, 3) // last leaf short
  const terms = termsFor(shard, host.address)

  for (let i = 0; i < 20; i++) {
    const n = nonce()
    t.same(verifyAnswer(terms, n, c, await answer(host, terms, n, shard), chainId), { ok: true })
  }
  const n1 = nonce()
  const old = await answer(host, terms, n1, shard)
  t.match(verifyAnswer(terms, nonce(), c, old, chainId), { ok: false, reason: /stale or replayed/ }, 'a replayed answer fails')
  t.match(verifyAnswer(terms, nonce(), c, { ...old, nonce: '0x' + '00'.repeat(32) }, chainId), { ok: false }, 'relabelling an old answer fails')

  const n2 = nonce()
  const otherShard = pseudoRandomBytes(shard.length, 4)
  t.match(verifyAnswer(terms, n2, c, await answer(host, terms, n2, otherShard), chainId), { ok: false, reason: /Merkle root/ }, "another shard's data fails")

  const n3 = nonce()
  const flipped = Uint8Array.from(shard)
  const good = await answer(host, terms, n3, shard)
  const victim = good.items[0]?.index ?? 0
  flipped[victim * leafSize] ^= 1
  const bad = await answer(host, terms, n3, flipped)
  t.match(verifyAnswer(terms, n3, c, bad, chainId), { ok: false }, 'one flipped bit in an asked leaf fails')

  const n4 = nonce()
  const stranger = await answer(other, terms, n4, shard)
  t.match(verifyAnswer(terms, n4, c, stranger, chainId), { ok: false, reason: /not signed by the host/ }, "an answer not signed by the contract's host fails")

  const n5 = nonce()
  const shuffled = await answer(host, terms, n5, shard)
  shuffled.items.reverse()
  t.match(verifyAnswer(terms, n5, c, shuffled, chainId), { ok: false }, 'leaves other than the asked ones fail')

  // Whatever arrives off the wire is a verdict, never a throw.
  const n6 = nonce()
  const honest = await answer(host, terms, n6, shard)
  for (const [what, items] of [['a leaf that is not a string', honest.items.map((item, j) => j === 2 ? { ...item, leaf: 7 } : item)],
    ['a path that is not a list', honest.items.map((item, j) => j === 1 ? { ...item, path: 'x' } : item)],
    ['a null item', honest.items.map((item, j) => j === 0 ? null : item)], ['items not a list', 'nope']] as const) {
    t.match(verifyAnswer(terms, n6, c, { ...honest, items } as unknown as ChallengeAnswer, chainId), { ok: false }, `${what} fails`)
  }
  t.same(verifyAnswer(terms, n6, c, honest, chainId), { ok: true }, 'the same answer untouched passes')
})

t.test('a host keeping a fraction f of the leaves passes a round with probability about f^c', async t => {
  // Fixed seeds: the kept set and the nonces are deterministic.
  const leafCount = 4096
  let x = 12345
  const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x }
  for (const f of [0.5, 0.9]) {
    const kept = new Set<number>()
    for (let i = 0; i < leafCount; i++) if (next() / 2 ** 32 < f) kept.add(i)
    const share = kept.size / leafCount
    const rounds = 4000
    let caught = 0
    for (let r = 0; r < rounds; r++) {
      const n = '0x' + Array.from({ length: 8 }, () => next().toString(16).padStart(8, '0')).join('')
      if (challengeIndices(n, '0x' + '07'.repeat(32), leafCount, c).some(i => !kept.has(i))) caught++
    }
    const expected = 1 - share ** c
    const sd = Math.sqrt(expected * (1 - expected) / rounds)
    t.ok(Math.abs(caught / rounds - expected) < 4 * sd + 0.002, `f = ${f}: caught in ${(100 * caught / rounds).toFixed(2)} % of rounds, 1 − (1 − ${(1 - share).toFixed(3)})^${c} = ${(100 * expected).toFixed(2)} %`)
  }
})

t.test('durations', async t => {
  t.equal(parseDuration('2s'), 2000)
  t.equal(parseDuration('1h'), 3600000)
  t.equal(parseDuration('250ms'), 250)
  t.throws(() => parseDuration('soon'))
})
