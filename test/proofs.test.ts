import t from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { MerkleTree, leafCountOf } from '../src/merkle/index.js'
import { challengeIndices, itemsDigest, parseDuration, proofTypedData, verifyAnswer, type ChallengeAnswer } from '../src/proofs/challenge.js'
import { AnswerFormatError, decodeAnswer, encodeAnswer } from '../src/proofs/answer-codec.js'
import type { ContractTerms } from '../src/contracts/terms.js'
import { Wallet } from '../src/wallet/wallet.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { randomPeerId, shardCidOf } from './helpers/terms.js'

const chainId = 728126428
const leafSize = 1024
const c = 8

async function termsFor (shard: Uint8Array, host: string, id = '0x' + '42'.repeat(32)): Promise<ContractTerms> {
  return {
    id, renter: host, renterPeer: await randomPeerId(), host, hostPeer: await randomPeerId(), shardCid: shardCidOf(shard), shardSize: shard.length,
    merkleRoot: '0x' + Buffer.from(MerkleTree.fromShard(shard, leafSize).root).toString('hex'), leafSize,
    start: 0, duration: 30, price: '1', amount: '1', challengeIntervalMs: 3_600_000, challengeLeaves: c
  }
}

/** The frame an honest host sends, from `data` (its copy of the shard). */
async function answerFrame (wallet: Wallet, terms: ContractTerms, nonce: string, data: Uint8Array): Promise<Uint8Array> {
  const tree = MerkleTree.fromShard(data, leafSize)
  const items = challengeIndices(nonce, terms.id, leafCountOf(data.length, leafSize), c).map(index => ({
    leafIndex: index,
    leaf: data.subarray(index * leafSize, Math.min(data.length, (index + 1) * leafSize)),
    path: tree.proof(index)
  }))
  return encodeAnswer({ contractId: terms.id, nonce, items, signature: await wallet.signTyped(proofTypedData(terms.id, nonce, itemsDigest(items), chainId)) })
}

/** What the renter decodes from an honest host's frame. */
async function answer (wallet: Wallet, terms: ContractTerms, nonce: string, data: Uint8Array): Promise<ChallengeAnswer> {
  return decodeAnswer(await answerFrame(wallet, terms, nonce, data))
}

const nonce = (): string => '0x' + randomBytes(32).toString('hex')

t.test('an honest answer verifies against the 32-byte root alone; cheats and replays do not', async t => {
  const dir = t.testdir()
  const host = await Wallet.open(join(dir, 'host.key'))
  const other = await Wallet.open(join(dir, 'other.key'))
  const shard = pseudoRandomBytes(300 * 1024 + 17, 3) // last leaf short
  const terms = await termsFor(shard, host.address)

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
  const victim = good.items[0]?.leafIndex ?? 0
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

  // Whatever arrives off the wire is a format error or a verdict, never a crash or a read past the end.
  const n6 = nonce()
  const frame = await answerFrame(host, terms, n6, shard)
  for (const [what, bytes] of [
    ['an empty frame', new Uint8Array(0)],
    ['a frame cut inside the header', frame.subarray(0, 100)],
    ['a frame cut inside a leaf', frame.subarray(0, 140)],
    ['a frame with a byte too many', Buffer.concat([frame, Buffer.from([0])])],
    ['another version', Buffer.concat([Buffer.from([2]), frame.subarray(1)])],
    ['more items than any policy', Buffer.concat([frame.subarray(0, 130), Buffer.from([65]), frame.subarray(131)])]
  ] as const) {
    t.throws(() => decodeAnswer(bytes), AnswerFormatError, `${what} is refused`)
  }
  const tampered = Buffer.from(frame)
  tampered[tampered.length - 1] ^= 1 // the last path hash of the last item
  t.match(verifyAnswer(terms, n6, c, decodeAnswer(tampered), chainId), { ok: false }, 'a flipped bit in a path fails the check')
  const resigned = Buffer.from(frame)
  resigned[160] ^= 1 // inside the first leaf: the signed digest no longer matches either
  t.match(verifyAnswer(terms, n6, c, decodeAnswer(resigned), chainId), { ok: false }, 'a flipped bit in a leaf fails the check')
  t.same(verifyAnswer(terms, n6, c, decodeAnswer(frame), chainId), { ok: true }, 'the same frame untouched passes')
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
