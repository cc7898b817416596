import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startNetwork, type NetNode } from './helpers/network.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'

t.setTimeout(180000)

const price = '100000000000000000000'

t.test('host settings, rejections with a reason, and a wallet key that never leaves the keystore', async t => {
  const { renter, hosts } = await startNetwork(t, { hosts: 2, hostConfig: () => ({ host: { price } }) })
  const [a, b] = hosts as [NetNode, NetNode]

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

  await t.test('a host whose price went up rejects the proposal with PRICE_TOO_LOW; the other host takes the shards', async t => {
    const data = pseudoRandomBytes(300000, 5)
    const { cid } = await renter.api<{ cid: string }>('/add', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
    const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=1&m=1&max-price=500000000000000000000`, { method: 'POST' })
    let status: any
    await waitFor('the upload to end', async () => {
      status = await renter.api(`/storage/upload/${id}`)
      return status.state === 'complete' || status.state === 'failed'
    }, 60000)
    t.equal(status.state, 'complete', status.error)
    t.same(new Set(status.shards.map((s: { host: string }) => s.host)), new Set([b.peerId]), 'both shards on host B')
    t.ok(status.notes.some((n: string) => /only 1 distinct hosts for 2 shards/.test(n)), 'the status says shards share a host')
    t.ok(status.notes.some((n: string) => n.includes(a.peerId) && n.includes('PRICE_TOO_LOW')), 'and that host A declined with PRICE_TOO_LOW')
    const { contracts } = await a.api<{ contracts: unknown[] }>('/contracts?role=host')
    t.equal(contracts.length, 0, 'host A signed nothing')
    const onB = await b.api<{ contracts: Array<{ state: string, amount: string, shardSize: number, duration: number }> }>('/contracts?role=host')
    t.equal(onB.contracts.length, 2)
    for (const c of onB.contracts) {
      t.equal(c.state, 'stored')
      const expected = (BigInt(price) * BigInt(c.shardSize) * BigInt(c.duration) + (1n << 30n) * 30n - 1n) / ((1n << 30n) * 30n)
      t.equal(c.amount, expected.toString(), 'amount = price × size × days / (GiB × 30), rounded up')
    }
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
