/**
 * bench:adversary — cheating hosts against the proofs of storage: many contracts per host
 * strategy, challenged round after round until the scheduler's rule marks them failed, through
 * the real code path. Prints, per strategy, the share of rounds that passed (what a renter that
 * pays only for proven periods pays) and the rounds until detection, next to what a simple model
 * predicts.
 *
 * Per contract (all of it seeded, so two runs print the same table):
 * - shard: BENCH_SHARD_MIB (4–8 MiB, any byte length, so the last leaf is usually short) of
 *   AES-CTR keystream; the renter hashes it with ShardHashState (CID + RFC 6962 root, as the
 *   encoder does) and builds real ContractTerms from config/default.json (leafSize 4096,
 *   proofs.leaves c = 8, price, duration, chain id), host = a wallet made with createWalletKey +
 *   Wallet.open in a temp folder. The host's MerkleTree is built from the bytes it received.
 * - then the strategy damages the host's copy (see `strategies`), and each round: a nonce from
 *   a seeded PRNG (the scheduler uses crypto.randomBytes: only the nonce source differs), the
 *   host builds its answer exactly as HostProver does (leaves read from its copy, tree.proof
 *   paths, itemsDigest, TIP-712 Wallet.signTyped — every answer is really signed), and the
 *   renter checks it with verifyAnswer against the contract's root, signature included, every
 *   time. A round is 'missed' when the simulated answer latency exceeds proofs.timeout (time is
 *   simulated, nothing sleeps; a late answer is built and signed but never read), 'fail' when
 *   the host rejects (PEER_REJECTED) or the answer does not verify, else 'pass'.
 * - the scheduler's rule (ProofScheduler.#record): proofs.maxFailures consecutive non-pass
 *   rounds mark the contract failed ("detected"); the contract stops there, or after
 *   BENCH_ROUNDS rounds. Simulated hours count the scheduler's exponential gaps (mean
 *   proofs.interval).
 * - every verdict is compared with the strategy's own knowledge (a challenged index in its
 *   damaged set, a late round): any disagreement is printed and the bench exits 1.
 *
 * Model: f = share of leaves the host cannot serve, c = proofs.leaves; the c indices are drawn
 * independently (with repetition), so a round passes with p = (1 − f)^c (late: p = 1 − 0.3).
 * With q = 1 − p and r = maxFailures, the rounds until r consecutive failures are on average
 * (1 − q^r) / ((1 − q) q^r) (uncapped); the capped figures (share detected within BENCH_ROUNDS
 * and their mean) come from the same Markov chain, stepped round by round.
 *
 * Contracts are split over BENCH_WORKERS child processes (contract i to worker i mod W); each
 * contract has its own seed, so the table does not depend on W. The cost is the signatures (~1 ms
 * to sign with tronweb, ~0.7 ms to verify with verifyAnswer, per round): the defaults (40 × 6
 * strategies, 200 rounds, ~18 k signed and verified answers) take ~30 s on an idle 2-core VM. The leaf count
 * does not enter the pass probability, so small shards (BENCH_SHARD_MIB=1-2) give the same model
 * figures faster (other draws); BENCH_CONTRACTS=50 BENCH_SHARD_MIB=4-16 (~50 s) is the size first
 * planned. The wallet keys are fresh each run (createWalletKey), so signatures differ between
 * runs; verdicts, and so the table, depend only on the seed and the knobs.
 *
 *   npm run bench:adversary   env: BENCH_CONTRACTS (40 per strategy), BENCH_ROUNDS (200 max per
 *                                  contract), BENCH_SEED (1), BENCH_WORKERS (min(2, cores)),
 *                                  BENCH_SHARD_MIB (4-8: shard sizes in MiB, uniform in bytes)
 */
import '../src/polyfill.js'
import { createCipheriv, createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { defaultConfig } from '../src/config/index.js'
import { contractAmount, type ContractTerms } from '../src/contracts/terms.js'
import { MerkleTree, hashBackend, leafCountOf, type MerkleProofItem } from '../src/merkle/index.js'
import { challengeIndices, itemsDigest, parseDuration, proofTypedData, verifyAnswer, type ChallengeAnswer } from '../src/proofs/challenge.js'
import { decodeAnswer, encodeAnswer } from '../src/proofs/answer-codec.js'
import { ShardHashState } from '../src/shards/shard-hash.js'
import { typedVerifier } from '../src/wallet/typed-verify.js'
import { createWalletKey, Wallet } from '../src/wallet/wallet.js'
import { machine, MiB, runWorker } from './lib.js'

const contracts = Number(process.env.BENCH_CONTRACTS ?? 40)
const maxRounds = Number(process.env.BENCH_ROUNDS ?? 200)
const seed = process.env.BENCH_SEED ?? '1'
const workers = Math.max(1, Number(process.env.BENCH_WORKERS ?? Math.min(2, cpus().length)))
const [minMiB, maxMiB] = (process.env.BENCH_SHARD_MIB ?? '4-8').split('-').map(Number) as [number, number?]

const config = defaultConfig()
const c = config.proofs.leaves
const maxFailures = config.proofs.maxFailures
const timeoutMs = parseDuration(config.proofs.timeout)
const intervalMs = parseDuration(config.proofs.interval)
const leafSize = config.shards.leafSize
const chainId = config.wallet.chainId
/** 2026-12-05T00:00:00Z: a fixed start keeps the terms reproducible. */
const start = 1_796_428_800

type StrategyName = 'honest' | 'drop10' | 'dropAll' | 'late' | 'corrupt' | 'corrupt-rebuilt'
type Verdict = 'pass' | 'fail' | 'missed'

/** What a strategy does to the host's copy and to its answers. */
interface Strategy {
  name: StrategyName
  /** One line for the legend. */
  does: string
  /** Share of leaves deleted (zeroed: the host answers zeros for them). */
  drop?: number
  /** Share of leaves with one bit flipped (answered as they are on disk). */
  rot?: number
  /** The whole shard file is gone: the host rejects with NOT_FOUND, as HostProver does. */
  lost?: boolean
  /** The host's tree is rebuilt from its damaged copy (HostProver after a restart or a self-check's forget), not the one built at upload. */
  rebuild?: boolean
  /** Share of rounds answered after proofs.timeout. */
  late?: number
}

const strategies: Strategy[] = [
  { name: 'honest', does: 'keeps the shard, answers in 0.05–1 s' },
  { name: 'drop10', does: 'deleted a random 10 % of leaves, answers zeros for them (tree kept from upload)', drop: 0.1 },
  { name: 'dropAll', does: 'deleted the shard: rejects every challenge with NOT_FOUND', lost: true },
  { name: 'late', does: 'keeps the shard; 30 % of rounds answered after the timeout (timeout + 0–100 %)', late: 0.3 },
  { name: 'corrupt', does: 'bit rot: 1 % of leaves with one bit flipped, answered as read; tree kept from upload', rot: 0.01 },
  { name: 'corrupt-rebuilt', does: 'the same rot, tree rebuilt from the rotted file (restart, or self-check forget)', rot: 0.01, rebuild: true }
]

/** A deterministic stream of numbers for one purpose of one contract (SHA-256 in counter mode). */
class SeededRandom {
  readonly #key: Buffer
  #counter = 0
  #block: Buffer = Buffer.alloc(0)
  #at = 0

  constructor (...parts: Array<string | number>) {
    this.#key = createHash('sha256').update(['btfs-ts/bench/adversary', seed, ...parts].join('/')).digest()
  }

  #next (): Buffer {
    const counter = Buffer.alloc(8)
    counter.writeBigUInt64BE(BigInt(this.#counter++))
    return createHash('sha256').update(this.#key).update(counter).digest()
  }

  /** Uniform in [0, 1), 53 bits. */
  float (): number {
    if (this.#at + 8 > this.#block.length) { this.#block = this.#next(); this.#at = 0 }
    const v = this.#block.readBigUInt64BE(this.#at) >> 11n
    this.#at += 8
    return Number(v) / 2 ** 53
  }

  /** Uniform integer in [0, n). */
  int (n: number): number {
    return Math.floor(this.float() * n)
  }

  /** 32 fresh bytes as 0x-hex: one challenge nonce. */
  hex32 (): string {
    return '0x' + this.#next().toString('hex')
  }

  /** `n` pseudo-random bytes (AES-128-CTR keystream keyed by this stream). */
  bytes (n: number): Buffer {
    return createCipheriv('aes-128-ctr', this.#next().subarray(0, 16), Buffer.alloc(16)).update(Buffer.alloc(n))
  }
}

/** `k` distinct leaf indices out of `n`. */
function pick (rng: SeededRandom, n: number, k: number): Set<number> {
  const out = new Set<number>()
  while (out.size < k) out.add(rng.int(n))
  return out
}

/** What one contract did, sent back by a worker. */
interface ContractResult {
  strategy: StrategyName
  index: number
  leafCount: number
  /** Leaves the host cannot serve correctly. */
  bad: number
  /** Model: probability that a round passes. */
  passProb: number
  rounds: number
  passes: number
  fails: number
  missed: number
  /** Round at which maxFailures consecutive non-pass rounds were reached. */
  detectedAt?: number
  /** Simulated hours from the contract's first challenge window to detection. */
  detectedHours?: number
  signed: number
  verified: number
  signaturesChecked: number
  mismatches: string[]
  reasons: Record<string, number>
  shardBytes: number
}

interface WorkerResult {
  results: ContractResult[]
  signMs: number
  verifyMs: number
  cpuMs: number
}

interface Party { wallet: Wallet, peer: string }

/** The host's reply to one challenge, built as HostProver.#answer builds it. */
async function hostReply (terms: ContractTerms, disk: Buffer | undefined, tree: MerkleTree, nonce: string, host: Wallet): Promise<{ ok: true, answer: ChallengeAnswer } | { ok: false, code: string, message: string }> {
  if (disk === undefined) return { ok: false, code: 'NOT_FOUND', message: 'the shard file is missing' }
  const leafCount = leafCountOf(terms.shardSize, terms.leafSize)
  const items: MerkleProofItem[] = []
  for (const index of challengeIndices(nonce, terms.id, leafCount, c)) {
    const leaf = Buffer.alloc(Math.min(terms.leafSize, terms.shardSize - index * terms.leafSize))
    disk.copy(leaf, 0, index * terms.leafSize, index * terms.leafSize + leaf.length)
    items.push({ leafIndex: index, leaf, path: tree.proof(index) })
  }
  const signature = await host.signTyped(proofTypedData(terms.id, nonce, itemsDigest(items), chainId))
  // as on the wire: one binary frame, decoded by the renter
  return { ok: true, answer: decodeAnswer(encodeAnswer({ contractId: terms.id, nonce, items, signature })) }
}

const timing = { signMs: 0, verifyMs: 0 }

/** Runs contract `index` of `strategy` to detection or maxRounds. */
async function runContract (strategy: Strategy, index: number, renter: Party, host: Party): Promise<ContractResult> {
  const setup = new SeededRandom(strategy.name, index, 'setup')
  const size = Math.floor((minMiB + setup.float() * ((maxMiB ?? minMiB) - minMiB)) * MiB)
  const shard = setup.bytes(size)
  const digests = new ShardHashState(leafSize)
  digests.update(shard)
  const { cid, merkleRoot } = digests.finish()
  const price = BigInt(config.host.price)
  const terms: ContractTerms = {
    id: setup.hex32(),
    renter: renter.wallet.address,
    renterPeer: renter.peer,
    host: host.wallet.address,
    hostPeer: host.peer,
    shardCid: cid.toString(),
    shardSize: size,
    merkleRoot: '0x' + Buffer.from(merkleRoot).toString('hex'),
    leafSize,
    start,
    duration: config.storage.duration,
    price: price.toString(),
    amount: contractAmount(price, size, config.storage.duration).toString(),
    challengeIntervalMs: intervalMs,
    challengeLeaves: c
  }
  // The host's tree, from the bytes it stored (HostProver builds it from the file on first use).
  let tree = MerkleTree.fromShard(shard, leafSize)
  if (Buffer.from(tree.root).toString('hex') !== terms.merkleRoot.slice(2)) throw new Error('host tree and renter root differ')

  // What happens to the host's copy afterwards.
  const leafCount = leafCountOf(size, leafSize)
  let disk: Buffer | undefined = shard
  let bad = new Set<number>()
  if (strategy.lost === true) {
    disk = undefined
  } else if (strategy.drop !== undefined) {
    bad = pick(setup, leafCount, Math.max(1, Math.round(strategy.drop * leafCount)))
    for (const i of bad) shard.fill(0, i * leafSize, Math.min(size, (i + 1) * leafSize))
  } else if (strategy.rot !== undefined) {
    bad = pick(setup, leafCount, Math.max(1, Math.round(strategy.rot * leafCount)))
    for (const i of bad) {
      const at = i * leafSize + setup.int(Math.min(leafSize, size - i * leafSize))
      shard[at] = (shard[at] as number) ^ (1 << setup.int(8))
    }
  }
  if (strategy.rebuild === true) tree = MerkleTree.fromShard(shard, leafSize)
  const damagedTree = strategy.rebuild === true && bad.size > 0

  const f = bad.size / leafCount
  const passProb = strategy.lost === true || damagedTree ? 0 : (1 - f) ** c * (1 - (strategy.late ?? 0))
  const r: ContractResult = {
    strategy: strategy.name, index, leafCount, bad: strategy.lost === true ? leafCount : bad.size, passProb,
    rounds: 0, passes: 0, fails: 0, missed: 0, signed: 0, verified: 0, signaturesChecked: 0, mismatches: [], reasons: {}, shardBytes: size
  }

  const nonces = new SeededRandom(strategy.name, index, 'nonces')
  const clock = new SeededRandom(strategy.name, index, 'clock')
  const latency = new SeededRandom(strategy.name, index, 'latency')
  let at = 0
  let consecutive = 0
  for (let round = 1; round <= maxRounds; round++) {
    at += -Math.log(1 - clock.float()) * intervalMs
    const nonce = nonces.hex32()
    const late = latency.float() < (strategy.late ?? 0)
    const latencyMs = late ? timeoutMs * (1 + latency.float()) : 50 + 950 * latency.float()

    let t0 = performance.now()
    const reply = await hostReply(terms, disk, tree, nonce, host.wallet)
    if (reply.ok) { r.signed++; timing.signMs += performance.now() - t0 }

    // The renter's side, as ProofScheduler.#round decides.
    let verdict: Verdict
    let reason: string
    if (latencyMs > timeoutMs) {
      verdict = 'missed'
      reason = 'no answer within proofs.timeout'
    } else if (!reply.ok) {
      verdict = 'fail'
      reason = `PEER_REJECTED: ${reply.code}: ${reply.message}`
    } else {
      t0 = performance.now()
      const v = verifyAnswer(terms, nonce, c, reply.answer, chainId)
      timing.verifyMs += performance.now() - t0
      r.verified++
      if (v.ok || (v.reason ?? '').includes('signed')) r.signaturesChecked++
      verdict = v.ok ? 'pass' : 'fail'
      reason = v.reason ?? 'pass'
    }
    const key = reason.replace(/[0-9]+/g, 'N')
    r.reasons[key] = (r.reasons[key] ?? 0) + 1

    // What the strategy knows should happen.
    const drawsBad = challengeIndices(nonce, terms.id, leafCount, c).some(i => bad.has(i))
    const expected: Verdict = late ? 'missed' : strategy.lost === true || damagedTree || drawsBad ? 'fail' : 'pass'
    if (verdict !== expected) r.mismatches.push(`round ${round}: ${verdict} (${reason}), expected ${expected}`)

    // ProofScheduler.#record's rule.
    r.rounds++
    if (verdict === 'pass') {
      r.passes++
      consecutive = 0
    } else {
      if (verdict === 'fail') r.fails++
      else r.missed++
      if (++consecutive >= maxFailures) {
        r.detectedAt = round
        r.detectedHours = at / 3_600_000
        break
      }
    }
  }
  return r
}

/** Worker `k` of `w`: every strategy's contracts i with i mod w = k. */
async function worker (k: number, w: number): Promise<WorkerResult> {
  const dir = await mkdtemp(join(tmpdir(), 'btfs-ts-adversary-'))
  try {
    const party = async (name: string): Promise<Party> => {
      await createWalletKey(join(dir, name, 'wallet.key'))
      return { wallet: await Wallet.open(join(dir, name, 'wallet.key')), peer: peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString() }
    }
    const renter = await party('renter')
    const results: ContractResult[] = []
    for (const strategy of strategies) {
      const host = await party(`host-${strategy.name}`)
      for (let i = k; i < contracts; i += w) results.push(await runContract(strategy, i, renter, host))
    }
    const usage = process.resourceUsage()
    return { results, ...timing, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** P(detection at round t), t = 1..R: first time r consecutive rounds fail, each with probability q. */
function detectionDistribution (q: number, r: number, R: number): number[] {
  let state = new Array<number>(r).fill(0) // state[s]: alive with s consecutive failures
  state[0] = 1
  const out: number[] = []
  for (let t = 1; t <= R; t++) {
    const next = new Array<number>(r).fill(0)
    let absorbed = 0
    for (let s = 0; s < r; s++) {
      next[0] += (1 - q) * state[s]
      if (s + 1 === r) absorbed += q * state[s]
      else next[s + 1] += q * state[s]
    }
    out.push(absorbed)
    state = next
  }
  return out
}

/** Mean rounds until r consecutive failures, uncapped: (1 − q^r) / ((1 − q) q^r). */
function expectedRounds (q: number, r: number): number {
  if (q <= 0) return Infinity
  if (q >= 1) return r
  return (1 - q ** r) / ((1 - q) * q ** r)
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`
const num = (x: number): string => !Number.isFinite(x) ? '∞' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1)

/** One table row per strategy, measured next to the model. */
function report (results: ContractResult[]): string[] {
  const lines = [
    `| strategy | contracts | rounds run | passed | model p | paid rounds per contract | detected ≤ ${maxRounds} (model) | rounds to detection mean / median / max | model mean / median ≤ ${maxRounds} | model E[rounds], uncapped | sim. hours to detection, mean |`,
    '|---|---|---|---|---|---|---|---|---|---|---|'
  ]
  for (const s of strategies) {
    const rs = results.filter(r => r.strategy === s.name)
    const rounds = rs.reduce((a, r) => a + r.rounds, 0)
    const passes = rs.reduce((a, r) => a + r.passes, 0)
    const detected = rs.filter(r => r.detectedAt !== undefined)
    const at = detected.map(r => r.detectedAt as number)
    // The model, per contract (f differs a little with the leaf count), then averaged.
    const dists = rs.map(r => detectionDistribution(1 - r.passProb, maxFailures, maxRounds))
    const byRound = Array.from({ length: maxRounds }, (_, t) => mean(dists.map(d => d[t])))
    const modelShare = byRound.reduce((a, b) => a + b, 0)
    const modelMean = modelShare > 1e-12 ? byRound.reduce((a, p, t) => a + (t + 1) * p, 0) / modelShare : NaN
    let modelMedian = 0
    for (let t = 0, acc = 0; t < maxRounds && modelShare > 1e-12; t++) { acc += byRound[t]; if (acc >= modelShare / 2) { modelMedian = t + 1; break } }
    const uncapped = mean(rs.map(r => expectedRounds(1 - r.passProb, maxFailures)))
    const found = detected.length === 0 ? 'never' : `${num(mean(at))} / ${num(median(at))} / ${Math.max(...at)}`
    const hours = detected.length === 0 ? '–' : num(mean(detected.map(r => r.detectedHours as number)))
    const model = Number.isNaN(modelMean) ? '–' : `${num(modelMean)} / ${modelMedian}`
    lines.push(`| ${s.name} | ${rs.length} | ${rounds.toLocaleString('en-US')} | ${pct(passes / rounds)} | ${pct(mean(rs.map(r => r.passProb)))} | ${num(passes / rs.length)} | ` +
      `${detected.length}/${rs.length} (${pct(modelShare)}) | ${found} | ${model} | ${num(uncapped)} | ${hours} |`)
  }
  return lines
}

const [mode, k, w] = process.argv.slice(2)
if (mode === 'worker') {
  console.log(JSON.stringify(await worker(Number(k), Number(w))))
} else {
  const t0 = performance.now()
  const parts = await Promise.all(Array.from({ length: workers }, async (_, i) => await runWorker<WorkerResult>(new URL(import.meta.url), ['worker', String(i), String(workers)])))
  const wallMs = performance.now() - t0
  const results = parts.flatMap(p => p.results).sort((a, b) => strategies.findIndex(s => s.name === a.strategy) - strategies.findIndex(s => s.name === b.strategy) || a.index - b.index)
  const sum = (f: (r: ContractResult) => number): number => results.reduce((a, r) => a + f(r), 0)

  console.log(`# bench:adversary — ${machine()}`)
  console.log(`# ${contracts} contracts per strategy, up to ${maxRounds} rounds each, seed ${seed}, ${workers} worker process(es); shards ${minMiB}–${maxMiB ?? minMiB} MiB, ${leafSize}-byte leaves`)
  console.log(`# Merkle hashing: ${hashBackend('auto').kind}; signatures: TIP-712 signed by tronweb (Wallet.signTyped), checked by verifyAnswer (secp256k1: ${typedVerifier().kind}), every answer`)
  console.log(`# proofs: c = ${c} leaves per challenge, maxFailures = ${maxFailures} consecutive, timeout ${config.proofs.timeout}, interval ${config.proofs.interval} (exponential gaps)`)
  console.log('')
  for (const s of strategies) console.log(`- ${s.name}: ${s.does}`)
  console.log('')
  for (const line of report(results)) console.log(line)
  console.log('')
  console.log(`model p: (1 − f)^${c}, f = share of leaves lost or rotted (late: 1 − 0.3; dropAll and a tree rebuilt from a damaged file: 0). ` +
    `passed = passes / rounds run, all contracts pooled (by Wald's identity it tends to p although contracts stop at detection); ` +
    `paid rounds = passes per contract before detection or round ${maxRounds}.`)
  console.log('')
  for (const s of strategies) {
    const reasons: Record<string, number> = {}
    for (const r of results.filter(r => r.strategy === s.name)) for (const [key, n] of Object.entries(r.reasons)) reasons[key] = (reasons[key] ?? 0) + n
    console.log(`${s.name} verdicts: ${Object.entries(reasons).sort((a, b) => b[1] - a[1]).map(([key, n]) => `${n} × ${key}`).join('; ')}`)
  }
  const signMs = parts.reduce((a, p) => a + p.signMs, 0)
  const verifyMs = parts.reduce((a, p) => a + p.verifyMs, 0)
  const cpuMs = parts.reduce((a, p) => a + p.cpuMs, 0)
  console.log('')
  console.log(`wall ${(wallMs / 1000).toFixed(1)} s, CPU ${(cpuMs / 1000).toFixed(1)} s over ${workers} process(es) (${parts.map(p => (p.cpuMs / 1000).toFixed(1)).join(' + ')}); ${sum(r => r.rounds).toLocaleString('en-US')} rounds, ` +
    `${(sum(r => r.shardBytes) / MiB).toLocaleString('en-US', { maximumFractionDigits: 0 })} MiB of shards generated and hashed`)
  console.log(`answers signed (TIP-712, tronweb): ${sum(r => r.signed).toLocaleString('en-US')}, ${(signMs / sum(r => r.signed)).toFixed(2)} ms each (wall, building the answer included); ` +
    `answers verified (verifyAnswer): ${sum(r => r.verified).toLocaleString('en-US')}, ${(verifyMs / sum(r => r.verified)).toFixed(2)} ms each (wall); signatures checked: ${sum(r => r.signaturesChecked).toLocaleString('en-US')}`)
  const mismatches = results.flatMap(r => r.mismatches.map(m => `${r.strategy} #${r.index} ${m}`))
  console.log(`verdicts that disagree with the strategy's own knowledge: ${mismatches.length}`)
  for (const m of mismatches.slice(0, 20)) console.log(`  ${m}`)
  if (mismatches.length > 0) process.exitCode = 1
}
