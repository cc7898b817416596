import t from 'tap'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from './helpers/daemon.js'
import { startNetwork, uploadFinished, type NetNode } from './helpers/network.js'
import { pseudoRandomBytes } from './helpers/node.js'

t.setTimeout(180000)

const price = '100000000000000000000'

t.test('host settings, rejections with a reason, and a wallet key that never leaves the keystore', async t => {
  const { renter, hosts } = await startNetwork(t, { hosts: 3, hostConfig: () => ({ host: { price } }) })
  const [a, b, c] = hosts as [NetNode, NetNode, NetNode]

  await t.test('PUT /host/settings validates, saves config.json and re-signs the ad', async t => {
    const bad = await fetch(`${a.url}/host/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minDuration: 90, maxDuration: 30 }) })
    t.equal(bad.status, 400)
    t.match(await bad.json(), { code: 'INVALID_PARAMETER', message: /minDuration/ })
    const notNumber = await fetch(`${a.url}/host/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ price: '1e20' }) })
    t.equal(notNumber.status, 400, 'prices are decimal strings of base units')
    const same = await a.api('/host/settings')
    t.equal(same.price, price, 'a rejected change changes nothing')

    // The renter caches A's ad at the old price, then A raises it.
    const before = await renter.api<{ hosts: Array<{ peerId: string, ad: { price: string } }> }>('/hosts')
    t.equal(before.hosts.find(h => h.peerId === a.peerId)?.ad.price, price)
    const dear = '300000000000000000000'
    const changed = await a.api('/host/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ price: dear }) })
    t.equal(changed.price, dear)
    const saved = JSON.parse(await readFile(join(a.repo, 'config.json'), 'utf8'))
    t.equal(saved.host.price, dear, 'saved in config.json')
    t.equal(saved.host.enabled, false, 'the --host flag of this run is not written to config.json')
  })

  await t.test('a host whose price went up rejects the proposal with PRICE_TOO_LOW; the other hosts take the shards', async t => {
    const data = pseudoRandomBytes(300000, 5)
    const { cid } = await renter.api<{ cid: string }>('/add', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
    // Three shards on three hosts: A is asked for one of them.
    const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=2&m=1&max-price=500000000000000000000`, { method: 'POST' })
    const status = await uploadFinished(renter, id)
    t.equal(status.state, 'complete', status.error ?? 'upload complete')
    t.notOk(status.shards.some(s => s.host === a.peerId), 'no shard on host A')
    t.ok(status.notes.some(n => /only 2 distinct hosts for 3 shards/.test(n)), 'the status says two shards share a host')
    t.ok(status.notes.some(n => n.includes(a.peerId) && n.includes('PRICE_TOO_LOW')), 'and that host A declined with PRICE_TOO_LOW')
    const { contracts } = await a.api<{ contracts: unknown[] }>('/contracts?role=host')
    t.equal(contracts.length, 0, 'host A signed nothing')
    const onB = await b.api<{ contracts: Array<{ state: string, amount: string, shardSize: number, duration: number }> }>('/contracts?role=host')
    const onC = await c.api<{ contracts: Array<{ state: string, amount: string, shardSize: number, duration: number }> }>('/contracts?role=host')
    t.equal(onB.contracts.length + onC.contracts.length, 3, 'B and C signed one contract per shard')
    for (const c of [...onB.contracts, ...onC.contracts]) {
      t.equal(c.state, 'stored')
      const expected = (BigInt(price) * BigInt(c.shardSize) * BigInt(c.duration) + (1n << 30n) * 30n - 1n) / ((1n << 30n) * 30n)
      t.equal(c.amount, expected.toString(), 'amount = price × size × days / (GiB × 30), rounded up')
    }
  })

  await t.test('a host that fails while storing is replaced, and its failure is remembered', async t => {
    // B's disk breaks: the folder it writes shards through is gone and a file sits in its place.
    await rm(join(b.repo, 'shards', 'partial'), { recursive: true, force: true })
    await writeFile(join(b.repo, 'shards', 'partial'), 'not a folder')
    const refreshed = await renter.api<{ hosts: Array<{ peerId: string, ad: { price: string } }> }>('/hosts?refresh=true')
    t.equal(refreshed.hosts.find(h => h.peerId === a.peerId)?.ad.price, '300000000000000000000', "the renter sees A's new price")
    const data = pseudoRandomBytes(200000, 9)
    const { cid } = await renter.api<{ cid: string }>('/add', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
    // max-price leaves B and C: one shard each at first, then B's goes to C.
    const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=1&m=1&max-price=200000000000000000000`, { method: 'POST' })
    const status = await uploadFinished(renter, id)
    t.equal(status.state, 'complete', status.error ?? 'upload complete')
    t.same(status.shards.map(s => s.host), [c.peerId, c.peerId], 'both shards end on C')
    t.equal(status.shards.reduce((n, s) => n + s.attempts, 0), 1, 'one failed attempt, on B')
    const { hosts: known } = await renter.api<{ hosts: Array<{ peerId: string, failed: number }> }>('/hosts')
    t.ok((known.find(h => h.peerId === b.peerId)?.failed ?? 0) >= 1, "B's failure is in the renter's history")
    const mine = await renter.api<{ contracts: Array<{ hostPeer: string, state: string, error?: string }> }>('/contracts?role=renter')
    t.ok(mine.contracts.some(x => x.hostPeer === b.peerId && x.state === 'failed' && x.error !== undefined), "the renter's contract with B is marked failed, with the reason")
  })

  await t.test('the CLI runs network commands through the daemon, and says so without one', async t => {
    const wallet = await runCli(['--repo', renter.repo, 'wallet'])
    t.equal(wallet.code, 0, wallet.stderr)
    t.same(JSON.parse(wallet.stdout), await renter.api('/wallet'))
    const set = await runCli(['--repo', c.repo, 'host', 'settings', 'capacity=5000000000'])
    t.equal(set.code, 0, set.stderr)
    t.equal(JSON.parse(set.stdout).capacity, 5000000000)
    t.equal((await c.api('/host/settings')).capacity, 5000000000)
    const offline = t.testdir()
    t.equal((await runCli(['--repo', offline, 'init'])).code, 0)
    const hosts = await runCli(['--repo', offline, 'hosts'])
    t.equal(hosts.code, 1)
    t.match(hosts.stderr, /needs the running daemon/)
  })

  await t.test('the wallet key never appears in a response or a log', async t => {
    for (const node of [renter, a, b]) {
      const key = (await readFile(join(node.repo, 'keystore', 'wallet.key'), 'utf8')).trim()
      t.match(key, /^[0-9a-f]{64}$/)
      const seen: string[] = []
      for (const path of ['/wallet', '/id', '/hosts', '/contracts', '/host/settings', '/storage/uploads', '/peers']) {
        seen.push(await (await fetch(`${node.url}${path}`)).text())
      }
      seen.push(node.stdout(), node.stderr())
      t.notOk(seen.some(text => text.toLowerCase().includes(key)), 'not in any response or log line')
    }
  })
})
