import t from 'tap'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from './helpers/daemon.js'
import { startNetNode, startNetwork, uploadFinished, type NetNode } from './helpers/network.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'
import { challengeIndices } from '../src/proofs/challenge.js'
import { leafCountOf } from '../src/merkle/index.js'

t.setTimeout(180000)

interface FileProofs {
  shards: Array<{ index: number, cid: string, host: string, contract: string, state: string, passes: number, failures: number, lastProven?: number, lastChallenge?: { nonce: string, indices: number[], verdict: string, reason?: string } }>
}

t.test('renters challenge hosts at random times; a host that loses its shard is marked failed', async t => {
  const { renter, hosts } = await startNetwork(t, {
    hosts: 3,
    hostConfig: () => ({ host: { selfCheckInterval: '1s' } }),
    // This test watches proofs; repair has its own test. With k=1 a threshold of 1 keeps the
    // repair service from replacing the failed and rotted shards while the history is read.
    renterConfig: { proofs: { interval: '300ms', timeout: '10s', leaves: 8, maxFailures: 3 }, storage: { repairThreshold: 1 } }
  })
  const byPeer = new Map(hosts.map(h => [h.peerId, h]))
  const data = pseudoRandomBytes(2 * 1024 * 1024 + 5, 31)
  const { cid } = await renter.api<{ cid: string }>('/add', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
  const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=1&m=2`, { method: 'POST' })
  const status = await uploadFinished(renter, id)
  t.equal(status.state, 'complete', status.error ?? 'uploaded')

  let proofs: FileProofs | undefined
  await waitFor('every contract to pass 5 rounds', async () => {
    proofs = await renter.api<FileProofs>(`/storage/files/${cid}`)
    return proofs.shards.length === 3 && proofs.shards.every(s => s.passes >= 5)
  }, 60000)
  const honest = proofs as FileProofs
  t.ok(honest.shards.every(s => s.failures === 0 && s.lastProven !== undefined), 'honest hosts pass every round')
  const last = honest.shards[0]?.lastChallenge
  t.equal(last?.verdict, 'pass')
  const { contracts } = await renter.api<{ contracts: Array<{ id: string, shardSize: number, leafSize: number }> }>('/contracts?role=renter')
  const first = contracts.find(c => c.id === honest.shards[0]?.contract)
  t.same(last?.indices, challengeIndices(last?.nonce ?? '', first?.id ?? '', leafCountOf(first?.shardSize ?? 0, first?.leafSize ?? 0), 8), 'the recorded round can be replayed: its indices follow from its nonce')
  t.same(honest.shards.map(s => s.index), [0, 1, 2], 'one entry per shard')

  // The proof history survives a restart of the renter, and the rounds go on.
  const counted = new Map(honest.shards.map(s => [s.contract, s.passes]))
  await renter.stop()
  Object.assign(renter, await startNetNode(t, { repo: renter.repo, bootstrap: hosts[0] }))
  const reloaded = await renter.api<FileProofs>(`/storage/files/${cid}`)
  t.ok(reloaded.shards.every(s => s.passes >= (counted.get(s.contract) ?? Infinity)), 'after a restart the counts go on from where they were')
  await waitFor('new rounds after the restart', async () => {
    const now = await renter.api<FileProofs>(`/storage/files/${cid}`)
    return now.shards.every(s => s.passes > (counted.get(s.contract) ?? Infinity))
  }, 30000)

  const holder = byPeer.get(honest.shards[0]?.host ?? '') as NetNode
  const challenges = await holder.api<{ challenges: Array<{ contractId: string, answered: boolean, nonce: string }> }>('/host/challenges')
  t.ok(challenges.challenges.some(c => c.contractId === honest.shards[0]?.contract && c.answered), 'the host lists the challenges it answered')

  // The host loses the shard: within maxFailures rounds the contract is failed.
  const victim = honest.shards[1] as FileProofs['shards'][number]
  const loser = byPeer.get(victim.host) as NetNode
  // (a round may have been missed since, e.g. while the renter restarted: count from here)
  const failuresBefore = (await renter.api<FileProofs>(`/storage/files/${cid}`)).shards.find(s => s.contract === victim.contract)?.failures ?? 0
  await rm(join(loser.repo, 'shards', victim.cid))
  let after: FileProofs | undefined
  await waitFor('the contract of the lost shard to fail', async () => {
    after = await renter.api<FileProofs>(`/storage/files/${cid}`)
    return after.shards.find(s => s.contract === victim.contract)?.state === 'failed'
  }, 60000)
  const failed = (after as FileProofs).shards.find(s => s.contract === victim.contract)
  t.equal((failed?.failures ?? 0) - failuresBefore, 3, 'marked failed after exactly maxFailures = 3 failed rounds')
  t.equal(failed?.lastChallenge?.verdict, 'fail')
  t.match(failed?.lastChallenge?.reason, /missing|holds no shard/)
  t.ok((after as FileProofs).shards.filter(s => s.contract !== victim.contract).every(s => s.state === 'stored'), 'the other contracts are still fine')
  const health = await renter.api<{ files: Array<{ root: string, reachable: number }> }>('/storage/files')
  t.equal(health.files.find(f => f.root === cid)?.reachable, 2, 'health counts only shards still held')

  // Bit rot on the third host: its background self-check reports it to the operator (log + API).
  const third = honest.shards[2] as FileProofs['shards'][number]
  const rotting = byPeer.get(third.host) as NetNode
  const path = join(rotting.repo, 'shards', third.cid)
  const bytes = await readFile(path)
  bytes[1000] ^= 0x04
  await writeFile(path, bytes)
  type Checks = { shards: Array<{ cid: string, ok: boolean, problem?: string, contracts: string[] }> }
  let checks: Checks | undefined
  await waitFor('the self-check to find the rot', async () => {
    checks = await rotting.api<Checks>('/host/shards')
    return checks.shards.some(s => s.cid === third.cid && !s.ok)
  }, 30000)
  t.match(checks?.shards.find(s => s.cid === third.cid), { ok: false, problem: 'cid', contracts: [third.contract] }, 'GET /host/shards names the damaged shard and its contract')
  t.match(rotting.stderr(), /self-check: a stored shard is damaged/, 'and the host logs it as an error')
  const cli = await runCli(['--repo', rotting.repo, 'host', 'shards', '--check'])
  t.equal(cli.code, 0, cli.stderr)
  t.match(JSON.parse(cli.stdout), { pass: { corrupt: 1 }, shards: [{ cid: third.cid, ok: false, problem: 'cid' }] }, 'btfs-ts host shards --check runs a pass and shows it')
  const file = await runCli(['--repo', renter.repo, 'storage', 'file', cid])
  t.equal(file.code, 0, file.stderr)
  t.match(JSON.parse(file.stdout), { root: cid, shards: [{ index: 0 }, { index: 1, state: 'failed' }, { index: 2 }] }, 'btfs-ts storage file shows the proof history')
  await waitFor('the self-check to see the deleted shard', async () => {
    const lost = await loser.api<Checks>('/host/shards')
    return lost.shards.some(s => s.cid === victim.cid && s.problem === 'missing')
  }, 30000)
  t.pass('the host that deleted its shard is told it is missing')
})
