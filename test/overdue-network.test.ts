import t from 'tap'
import { utils } from 'tronweb'
import { compileTestBtt } from './helpers/contracts.js'
import { initRepo, startNetNode, uploadFinished } from './helpers/network.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { startTronDouble } from './helpers/tron-double.js'
import { waitFor } from './helpers/wait.js'

t.setTimeout(120000)

interface FileView { shards: Array<{ index: number, contract: string, state: string, passes: number, lastChallenge?: { verdict: string, reason?: string } }> }
interface Settlement { payables: Array<{ host: string, owed: string, lastCheque?: { delivered: boolean, rejected?: string } }> }

t.test('a renter whose cheques its hosts cannot take becomes overdue: no contracts, challenges or reads', async t => {
  // The hosts settle on TRON (a double running test-BTT); the renter has no chain, so its cheques
  // are drawn on its own address, which is no vault there: the hosts refuse them and go unpaid.
  const double = await startTronDouble()
  t.teardown(async () => { await double.stop() })
  const minter = utils.accounts.generateAccount().address.base58
  const token = await double.deploy(minter, compileTestBtt().bytecode, { name: 'TestBTT' })
  const config = { settlement: { chain: { kind: 'tron' as const, fullHost: double.url, token }, grace: '2s' } }
  const repos = [await initRepo(t, config), await initRepo(t, config)]
  for (const { address } of repos) double.setTrx(address, 1000n * 1_000_000n)
  const first = await startNetNode(t, { repo: repos[0]?.repo as string, args: ['--host'] })
  const hosts = [first, await startNetNode(t, { repo: repos[1]?.repo as string, args: ['--host'], bootstrap: first })]
  const renter = await startNetNode(t, { bootstrap: first, config: { proofs: { interval: '300ms', timeout: '10s', maxFailures: 3 }, storage: { repairThreshold: 1 } } })
  await waitFor('the renter to discover 2 hosts', async () => (await renter.api<{ hosts: unknown[] }>('/hosts?refresh=true')).hosts.length === 2, 60000)

  const data = pseudoRandomBytes(1024 * 1024 + 3, 71)
  const { cid } = await renter.api<{ cid: string }>('/add', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
  const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=1&m=1`, { method: 'POST' })
  t.equal((await uploadFinished(renter, id)).state, 'complete', 'uploaded to both hosts')

  // Rounds pass and cheques go out, but the hosts refuse them; past the grace the hosts refuse the renter.
  let view: FileView | undefined
  await waitFor('both contracts to fail: the hosts refuse the overdue renter\'s challenges', async () => {
    view = await renter.api<FileView>(`/storage/files/${cid}`)
    return view.shards.every(s => s.state === 'failed')
  }, 60000)
  for (const shard of (view as FileView).shards) {
    t.ok(shard.passes > 0, `shard ${shard.index}: rounds passed before the grace ran out`)
    t.match(shard.lastChallenge?.reason, /OVERDUE/, 'then its challenges were refused as overdue')
  }
  const books = await renter.api<Settlement>('/settlement')
  for (const host of hosts) {
    const payable = books.payables.find(p => p.host === host.peerId)
    t.match(payable?.lastCheque, { delivered: false, rejected: /BAD_CHEQUE.*not a vault/ }, "the renter's books show the refused cheque and why")
    t.ok(BigInt(payable?.owed ?? 0) > 0n, 'and what it still owes')
  }

  // No new contracts.
  const other = await renter.api<{ cid: string }>('/add', { method: 'POST', body: pseudoRandomBytes(200000, 72), headers: { 'content-type': 'application/octet-stream' } })
  const second = await renter.api<{ id: string }>(`/storage/upload?arg=${other.cid}&k=1&m=1`, { method: 'POST' })
  const refused = await uploadFinished(renter, second.id)
  t.not(refused.state, 'complete', 'a new upload finds no host willing')
  t.match(JSON.stringify(refused), /OVERDUE/, 'the hosts said the renter is overdue')

  // No reads: with the local copy gone, the file cannot come back from these hosts.
  await renter.api(`/pin/${cid}`, { method: 'DELETE' })
  await renter.api('/repo/gc', { method: 'POST' })
  const res = await fetch(`${renter.url}/cat/${cid}`)
  t.not(res.status, 200, 'reads from the hosts are refused')
  t.match(await res.json(), { code: 'NOT_ENOUGH_SHARDS' })
})
