/**
 * A host on an open network, attacked by a rogue peer as any peer could attack it, while an
 * honest renter uses the same host. One network for every assertion: host A (the target), host B,
 * an honest renter, and a rogue with two faces — a bare libp2p node that sends any bytes, and a
 * node of our own stack that lies only in what the wire format allows (a "renter" with its own
 * wallet). Each subtest is one finding of issue 11; the last ones check that the honest renter
 * never noticed and that the host restarts after all of it, even with junk in every bucket.
 */
import t from 'tap'
import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Level } from 'level'
import { contractTypedData, type ContractTerms } from '../../src/contracts/terms.js'
import { AppError } from '../../src/errors/index.js'
import { silentLogger } from '../../src/logger.js'
import { leafCountOf } from '../../src/merkle/index.js'
import type { Network } from '../../src/network/interface.js'
import { Libp2pNetwork } from '../../src/network/network.js'
import { challenge } from '../../src/network/protocols/challenge.js'
import { sendCheque, type PeriodValue } from '../../src/network/protocols/cheque.js'
import { propose } from '../../src/network/protocols/contract.js'
import { putShard } from '../../src/network/protocols/shard.js'
import { verifyAnswer } from '../../src/proofs/challenge.js'
import { chequeTypedData, periodAmount } from '../../src/settlement/cheque.js'
import { buckets } from '../../src/store/keys.js'
import { startNetNode, startNetwork, uploadFinished, type NetNode } from '../helpers/network.js'
import { pseudoRandomBytes } from '../helpers/node.js'
import { mutated } from '../helpers/fuzz.js'
import { startRogue } from '../helpers/rogue.js'
import { termsBetween } from '../helpers/terms.js'
import { waitFor } from '../helpers/wait.js'

t.setTimeout(300_000)

const MiB = 1024 * 1024
const chainId = 728126428
const leafSize = 4096
const hostLimits = { maxPendingPerPeer: 8, reservationTimeout: '4s', capacity: 256 * MiB, minChallengeInterval: '100ms' }

/** What an error reply carries, from a typed client's PEER_REJECTED. */
async function refusal (p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'accepted'
  } catch (err) {
    if (err instanceof AppError) return err.code === 'PEER_REJECTED' ? String(err.details?.code) : err.code
    throw err
  }
}

const rss = async (node: NetNode): Promise<number> => Number(/^VmRSS:\s+(\d+)/m.exec(await readFile(`/proc/${node.proc.pid as number}/status`, 'utf8'))?.[1]) * 1024

t.test('a rogue peer against a host an honest renter uses', async t => {
  const { renter, hosts } = await startNetwork(t, {
    hosts: 2,
    hostConfig: i => ({ host: { ...hostLimits, price: '1000' }, settlement: { grace: i === 0 ? '12s' : '1d' } }),
    // (no failure threshold to speak of: the target is restarted at the end and must keep its contract)
    renterConfig: { proofs: { interval: '300ms', timeout: '10s', maxFailures: 1000 } }
  })
  const target = hosts[0] as NetNode
  const rogue = await startRogue(t)
  const flooder = await startRogue(t)
  const liar: Network = await Libp2pNetwork.start({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], announce: [], bootstrap: [], protocolPrefix: '/btfs-ts', logger: silentLogger() })
  t.teardown(async () => { await liar.stop() })
  await liar.connect(target.addr)
  const hostWallet = (await target.api<{ address: string }>('/wallet')).address
  const hostContracts = async (): Promise<Array<{ id: string, state: string, renterPeer: string }>> => (await target.api<{ contracts: Array<{ id: string, state: string, renterPeer: string }> }>('/contracts?role=host')).contracts

  /** Terms from the liar to the target for `data`, valid unless `overrides` say otherwise. */
  const termsFor = (data: Uint8Array, overrides: Partial<ContractTerms> = {}): ContractTerms =>
    termsBetween({ renter: rogue.wallet.address, renterPeer: liar.peerId, host: hostWallet, hostPeer: target.peerId }, data, { price: '1000', challengeIntervalMs: 100, challengeLeaves: 4, ...overrides }, leafSize)
  const offer = async (terms: ContractTerms): Promise<string> => await refusal(propose(liar, terms, await rogue.wallet.signTyped(contractTypedData(terms, chainId))))

  // The honest renter's file, uploaded at the start so that its rounds run through every attack.
  const honestData = pseudoRandomBytes(2 * MiB + 3, 91)
  const { cid: honestCid } = await renter.api<{ cid: string }>('/add', { method: 'POST', body: honestData, headers: { 'content-type': 'application/octet-stream' } })
  const { id: honestUpload } = await renter.api<{ id: string }>(`/storage/upload?arg=${honestCid}&k=1&m=1`, { method: 'POST' })

  // Abuse in the background for the whole run: proposals, oversized frames and challenges, flat out.
  let flooding = true
  const flood = (async () => {
    let sent = 0
    while (flooding) {
      await Promise.allSettled([
        flooder.ask(target.addr, '/btfs-ts/contract/1.0.0', [{ type: 'propose', terms: { id: 'x' }, renterSignature: '0x' }], 2000),
        flooder.ask(target.addr, '/btfs-ts/challenge/1.0.0', [{ contractId: '0x' + randomBytes(32).toString('hex'), nonce: '0x' + '00'.repeat(32), at: Date.now() }], 2000),
        flooder.ask(target.addr, '/btfs-ts/shard/1.0.0', [randomBytes(200_000)], 2000)
      ])
      sent += 3
    }
    return sent
  })()

  await t.test('finding 1: a proposal naming a "CID" that is none is refused as malformed, and nothing is kept', async t => {
    const data = pseudoRandomBytes(10_000, 1)
    const terms = { ...termsFor(data), shardCid: 'not-a-cid' }
    const signature = await rogue.wallet.signTyped(contractTypedData(terms as ContractTerms, chainId))
    const reply = await rogue.ask(target.addr, '/btfs-ts/contract/1.0.0', [{ type: 'propose', terms, renterSignature: signature }])
    t.match(reply.frames, [{ ok: false, code: 'BAD_MESSAGE', message: /shardCid/ }], 'the error reply names the field')
    t.notOk((await hostContracts()).some(c => c.id === terms.id), 'no contract was recorded')
    const huge = await rogue.ask(target.addr, '/btfs-ts/contract/1.0.0', [{ type: 'propose', terms: { ...terms, shardCid: 'b'.repeat(1_000_000) }, renterSignature: signature }])
    t.match(huge.frames, [{ ok: false, code: /^(FRAME_TOO_LARGE|TOO_MUCH_DATA)$/ }], 'a megabyte of proposal is refused by the size bound')
  })

  let stored: { data: Uint8Array, terms: ContractTerms } | undefined
  await t.test('finding 2: a CID held already counts at its own size only; a body past the contract is cut', async t => {
    const data = pseudoRandomBytes(64 * 1024, 2)
    const terms = termsFor(data)
    t.equal(await offer(terms), 'accepted', 'a contract for 64 KiB')
    t.equal(await offer(termsFor(data, { shardSize: 200 * MiB })), 'BAD_TERMS', 'the same CID at 200 MiB is refused')
    const started = await putShard(liar, target.peerId, terms.id, terms.shardSize)
    if (!('upload' in started)) throw new Error('the host claims it holds a shard it never got')
    await started.upload.write(data)
    t.match(await started.upload.receipt(), { contractId: terms.id, shardCid: terms.shardCid }, 'the exact bytes are stored, with a receipt')
    stored = { data, terms }

    const other = pseudoRandomBytes(32 * 1024, 3)
    const small = termsFor(other)
    t.equal(await offer(small), 'accepted')
    const overfill = await putShard(liar, target.peerId, small.id, small.shardSize)
    if (!('upload' in overfill)) throw new Error('unexpected receipt')
    const sent = await refusal((async () => {
      for (let i = 0; i < 64; i++) await overfill.upload.write(randomBytes(256 * 1024))
      await overfill.upload.receipt()
    })())
    t.not(sent, 'accepted', `16 MiB into a 32 KiB contract is cut (${sent})`)
    await waitFor('the partial file to go', async () => (await readdir(join(target.repo, 'shards', 'partial'))).length === 0)
    t.pass('nothing is left in shards/partial')
  })

  await t.test('finding 3: proposals are capped per peer, far-future starts refused, unfilled reservations released', async t => {
    const results = await Promise.all(Array.from({ length: 60 }, async (_, i) => await offer(termsFor(pseudoRandomBytes(1, 1000 + i)))))
    const accepted = results.filter(r => r === 'accepted').length
    t.ok(accepted <= hostLimits.maxPendingPerPeer, `at most ${hostLimits.maxPendingPerPeer} unfilled contracts per peer (${accepted} accepted)`)
    // (PROTOCOL_ERROR: libp2p's own cap on streams per connection refused the stream before our admission saw it)
    t.ok(results.every(r => ['accepted', 'TOO_MANY_PENDING', 'RATE_LIMITED', 'TOO_MANY_STREAMS', 'PROTOCOL_ERROR'].includes(r)), `the rest are refused by the limits (${[...new Set(results)].join(', ')})`)
    const far = termsFor(pseudoRandomBytes(100, 4), { start: Math.floor(Date.now() / 1000) + 10 * 365 * 86400 })
    t.equal(await offer(far), 'BAD_TERMS', 'a contract starting in 10 years that renews nothing is refused')
    await waitFor('the unfilled reservations to lapse', async () => {
      const mine = (await hostContracts()).filter(c => c.renterPeer === liar.peerId)
      return mine.every(c => c.state !== 'signed')
    }, 30_000)
    t.ok((await hostContracts()).filter(c => c.renterPeer === liar.peerId && c.state === 'failed').length >= accepted, 'every reservation whose shard never came is released')
    t.equal(await offer(termsFor(pseudoRandomBytes(1, 9999))), 'accepted', 'after which the peer may contract again')
  })

  await t.test('finding 4: a stream that never stops costs the host a frame, not its memory', async t => {
    const before = await rss(target)
    const stream = await rogue.open(target.addr, '/btfs-ts/challenge/1.0.0')
    const junk = randomBytes(1024 * 1024)
    let sent = 0
    const ended = new Promise<void>(resolve => { stream.addEventListener('close', () => { resolve() }) })
    let open = true
    void ended.then(() => { open = false })
    try {
      while (open && sent < 256 * MiB) {
        if (!stream.send(junk)) {
          const drained = stream.onDrain()
          drained.catch(() => {})
          await Promise.race([drained, ended])
        }
        sent += junk.length
        await new Promise(resolve => setImmediate(resolve)) // let the host's reset arrive
      }
    } catch {
      open = false // the host closed it under us
    }
    t.ok(!open, `the host reset the stream (after ${Math.round(sent / MiB)} MiB were offered)`)
    const parallel = await Promise.all(Array.from({ length: 24 }, async () => await rogue.ask(target.addr, '/btfs-ts/challenge/1.0.0', [randomBytes(300_000)], 15_000)))
    t.same(parallel.filter(r => r.ended === 'timeout').length, 0, '24 parallel junk streams all end')
    t.ok(parallel.every(r => r.frames.every(f => (f as { ok?: boolean }).ok === false)), 'what they get back is error replies only')
    t.ok(await rss(target) - before < 64 * MiB, `the host's memory grew by ${Math.round((await rss(target) - before) / MiB)} MiB at most`)
  })

  await t.test('finding 10: shards are probed and read only under a contract of the asking peer', async t => {
    const honest = (await renter.api<{ contracts: Array<{ id: string, hostPeer: string }> }>('/contracts?role=renter')).contracts.find(c => c.hostPeer === target.peerId)
    const nobody = '0x' + randomBytes(32).toString('hex')
    for (const contractId of [honest?.id ?? nobody, nobody]) {
      for (const op of ['has', 'get']) {
        const reply = await rogue.ask(target.addr, '/btfs-ts/shard/1.0.0', [{ op, contractId }])
        t.match(reply.frames, [{ ok: false, code: 'NOT_FOUND' }], `${op} of ${contractId === nobody ? 'a made-up contract' : "the honest renter's contract"} is refused`)
      }
    }
    const legacy = await rogue.ask(target.addr, '/btfs-ts/shard/1.0.0', [{ op: 'get', cid: honest?.id ?? nobody }])
    t.match(legacy.frames, [{ ok: false, code: 'BAD_MESSAGE' }], 'a request by CID alone is not the protocol')
  })

  await t.test('finding 11: challenges of unknown contracts are refused and leave no trace', async t => {
    const log = async (): Promise<Array<{ renterPeer: string }>> => (await target.api<{ challenges: Array<{ renterPeer: string }> }>('/host/challenges?limit=10000')).challenges
    const unknown = await rogue.ask(target.addr, '/btfs-ts/challenge/1.0.0', [{ contractId: '0x' + randomBytes(32).toString('hex'), nonce: '0x' + randomBytes(32).toString('hex'), at: Date.now() }])
    t.match(unknown.frames, [{ ok: false, code: 'NOT_FOUND' }])
    const megabyte = await rogue.ask(target.addr, '/btfs-ts/challenge/1.0.0', [{ contractId: 'x'.repeat(1_000_000), nonce: '0x', at: 0 }])
    t.match(megabyte.frames, [{ ok: false, code: /^(FRAME_TOO_LARGE|TOO_MUCH_DATA)$/ }], 'a 1 MB contract id is refused by the size bound')
    const strangers = [rogue.peerId, flooder.peerId]
    t.notOk((await log()).some(c => strangers.includes(c.renterPeer)), 'the challenge log holds nothing of strangers, however many they sent')
  })

  await t.test('finding 12: a shard body sent a byte at a time is cut', async t => {
    const data = pseudoRandomBytes(100_000, 5)
    const terms = termsFor(data)
    t.equal(await offer(terms), 'accepted')
    const started = await putShard(liar, target.peerId, terms.id, terms.shardSize)
    if (!('upload' in started)) throw new Error('unexpected receipt')
    const began = Date.now()
    const outcome = await refusal((async () => {
      for (let i = 0; i < 60; i++) {
        await started.upload.write(data.subarray(i, i + 1))
        await new Promise(resolve => setTimeout(resolve, 500))
      }
      await started.upload.receipt()
    })())
    t.not(outcome, 'accepted', `the host cut the slow sender after ${Math.round((Date.now() - began) / 1000)} s (${outcome})`)
    t.ok(Date.now() - began < 25_000, 'within its grace of 10 s plus a few seconds')
    await waitFor('the partial file to go', async () => (await readdir(join(target.repo, 'shards', 'partial'))).length === 0)
    t.notOk((await hostContracts()).some(c => c.id === terms.id && c.state === 'stored'), 'and nothing was stored')
  })

  await t.test('finding 5: a renter cannot pay one second of a proven span', async t => {
    if (stored === undefined) throw new Error('finding 2 stored no shard')
    const { terms, data } = stored
    const leafCount = leafCountOf(data.length, leafSize)
    const rounds: Array<{ nonce: string, at: number }> = []
    for (let i = 0; i < 3; i++) {
      const nonce = '0x' + randomBytes(32).toString('hex')
      const at = Date.now()
      const answer = await challenge(liar, target.peerId, { contractId: terms.id, nonce, at }, { leaves: terms.challengeLeaves, leafSize, leafCount })
      t.same(verifyAnswer(terms, nonce, terms.challengeLeaves, answer, chainId), { ok: true }, `round ${i + 1} answered and valid`)
      rounds.push({ nonce, at })
      await new Promise(resolve => setTimeout(resolve, 300))
    }
    const last = rounds[rounds.length - 1] as { nonce: string, at: number }
    const cheque = async (total: bigint): Promise<{ vault: string, beneficiary: string, cumulativePayout: string, signature: string }> => {
      const unsigned = { vault: rogue.wallet.address, beneficiary: hostWallet, cumulativePayout: total.toString() }
      return { ...unsigned, signature: await rogue.wallet.signTyped(chequeTypedData(unsigned, chainId)) }
    }
    const oneSecond: PeriodValue = { contractId: terms.id, nonce: last.nonce, from: last.at - 1000, to: last.at, verdict: 'pass', amount: periodAmount(terms, 0, 1000).toString() }
    t.equal(await refusal(sendCheque(liar, target.peerId, await cheque(BigInt(oneSecond.amount)), [oneSecond])), 'NOT_CONTIGUOUS', '1 s of the span since the start is refused')
    const skip: PeriodValue[] = [
      { contractId: terms.id, nonce: '0x' + '11'.repeat(32), from: terms.start * 1000, to: last.at - 1000, verdict: 'missed', amount: '0' },
      oneSecond
    ]
    t.equal(await refusal(sendCheque(liar, target.peerId, await cheque(BigInt(oneSecond.amount)), skip)), 'NOT_CONTIGUOUS', 'so is declaring the answered rounds before it "missed" in one span')
    await waitFor('the rogue renter to be overdue', async () => {
      await new Promise(resolve => setTimeout(resolve, 500))
      return await refusal(challenge(liar, target.peerId, { contractId: terms.id, nonce: '0x' + randomBytes(32).toString('hex'), at: Date.now() }, { leaves: terms.challengeLeaves, leafSize, leafCount })) === 'OVERDUE'
    }, 40_000)
    t.pass('and the unpaid rounds make it overdue: its challenges are refused')
    const settlement = await target.api<{ receivables: Array<{ renter: string }> }>('/settlement')
    t.notOk(settlement.receivables.some(r => r.renter === rogue.wallet.address), 'nothing of it was credited')
  })

  await t.test('fuzz: random and mutated messages on every protocol get the error reply and leave nothing', async t => {
    const shardsBefore = (await readdir(join(target.repo, 'shards'))).sort()
    const fuzzer = await startRogue(t)
    await fuzzer.ask(target.addr, '/btfs-ts/host-ad/1.0.0', []) // connected before the first burst
    const valid = termsFor(pseudoRandomBytes(5000, 77))
    const sig = await rogue.wallet.signTyped(contractTypedData(valid, chainId))
    const samples: Array<[string, unknown, number]> = [
      ['/btfs-ts/contract/1.0.0', { type: 'propose', terms: valid, renterSignature: sig }, 30],
      ['/btfs-ts/shard/1.0.0', { op: 'put', contractId: valid.id }, 30],
      ['/btfs-ts/challenge/1.0.0', { contractId: valid.id, nonce: valid.merkleRoot, at: Date.now() }, 30],
      ['/btfs-ts/cheque/1.0.0', { cheque: { vault: rogue.wallet.address, beneficiary: hostWallet, cumulativePayout: '5', signature: sig }, periods: [{ contractId: valid.id, nonce: valid.merkleRoot, from: 1, to: 2, verdict: 'pass', amount: '5' }] }, 14]
    ] // (host-ad reads no request: whatever is sent, the ad comes back, and the stream is reset after it)
    let replies = 0
    for (const [protocol, sample, n] of samples) {
      const frames = fc.sample(fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.jsonValue().map(v => new TextEncoder().encode(JSON.stringify(v))),
        mutated(sample).map(v => new TextEncoder().encode(JSON.stringify(v)))
      ), n)
      for (const f of frames) {
        const reply = await fuzzer.ask(target.addr, protocol, [f], 10_000)
        t.not(reply.ended, 'timeout', `${protocol}: the stream ends`)
        for (const r of reply.frames) {
          t.match(r, { ok: false, code: /^[A-Z_]+$/, message: String }, `${protocol}: the one error reply shape`)
          replies++
        }
      }
    }
    t.ok(replies > 100, `${replies} error replies, no success`)
    t.notOk((await hostContracts()).some(c => c.renterPeer === fuzzer.peerId), 'no contract of the fuzzer')
    t.same((await readdir(join(target.repo, 'shards'))).sort(), shardsBefore, 'no shard file')
    t.same(await readdir(join(target.repo, 'shards', 'partial')), [], 'nothing partial')
    const log = (await target.api<{ challenges: Array<{ renterPeer: string }> }>('/host/challenges?limit=10000')).challenges
    t.notOk(log.some(c => c.renterPeer === fuzzer.peerId), 'nothing in the challenge log')
  })

  await t.test('abuse does not hurt honest users: the upload and its rounds on the attacked host succeed', async t => {
    const status = await uploadFinished(renter, honestUpload)
    t.equal(status.state, 'complete', status.error ?? 'the honest upload completed under the flood')
    t.ok(status.shards.some(s => s.host === target.peerId), 'with a shard on the attacked host')
    await waitFor('3 passed rounds on the attacked host', async () => {
      const view = await renter.api<{ shards: Array<{ host: string, passes: number, failures: number }> }>(`/storage/files/${honestCid}`)
      return (view.shards.find(s => s.host === target.peerId)?.passes ?? 0) >= 3
    }, 60_000)
    const view = await renter.api<{ shards: Array<{ host: string, passes: number, failures: number }> }>(`/storage/files/${honestCid}`)
    t.equal(view.shards.find(s => s.host === target.peerId)?.failures, 0, 'and no round failed')
    const settlement = await target.api<{ receivables: Array<{ renter: string, overdue: boolean }> }>('/settlement')
    const renterWallet = (await renter.api<{ address: string }>('/wallet')).address
    t.match(settlement.receivables.find(r => r.renter === renterWallet), { overdue: false }, 'the honest renter pays and is not overdue')
  })

  flooding = false
  t.ok(await flood > 0, 'the flood ran the whole time')

  await t.test('the host restarts after all of it, with junk in every bucket', async t => {
    await target.stop()
    const db = new Level<string, string>(join(target.repo, 'datastore'), { valueEncoding: 'utf8' })
    await db.open()
    for (const name of Object.values(buckets)) {
      const bucket = db.sublevel<string, string>(name, { valueEncoding: 'utf8' })
      await bucket.put('zz-not-json', '{"this is": not json')
      await bucket.put('zz-wrong-shape', '{"state":"stored","terms":{"shardCid":"not-a-cid"}}')
    }
    await db.close()
    // on the same address, so the renter's dials find it again
    const listen = target.addr.replace(/\/p2p\/.*$/, '')
    const restarted = await startNetNode(t, { repo: target.repo, args: ['--host', '--listen', listen], bootstrap: hosts[1] as NetNode })
    Object.assign(target, restarted)
    t.match(restarted.stderr(), /corrupt record skipped/, 'the junk is skipped and logged')
    t.ok((await hostContracts()).length > 0, 'its contracts are all there')
    for (const [method, path] of [['GET', '/pins'], ['GET', '/shards'], ['GET', '/storage/uploads'], ['GET', '/host/challenges'], ['GET', '/settlement'], ['GET', '/host/earnings'], ['POST', '/repo/gc']]) {
      const res = await fetch(`${target.url}${path as string}`, { method })
      t.equal(res.status, 200, `${method} ${path as string} still answers (the junk is not its business)`)
    }
    const passes = async (): Promise<number> => (await renter.api<{ shards: Array<{ host: string, passes: number }> }>(`/storage/files/${honestCid}`)).shards.find(s => s.host === target.peerId)?.passes ?? 0
    const now = await passes()
    await waitFor('a round after the restart', async () => await passes() > now, 60_000)
    t.pass('and it answers the honest renter again')
  })
})
