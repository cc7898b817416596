import t from 'tap'
import { createHash } from 'node:crypto'
import { startNetwork, uploadFinished, type NetNode } from './helpers/network.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'

t.setTimeout(240000)

const MiB = 1024 * 1024

interface FileView {
  state: string
  healthy: number
  repairThreshold: number
  shards: Array<{ index: number, cid: string, healthy: boolean, host: string, contract: string, state: string, expires: number, contracts: Array<{ id: string, host: string, state: string, start: number, end: number, renews?: string }> }>
  repairs: Array<{ lost: Array<{ index: number, host?: string }>, source?: string, hosts: string[], ok?: boolean, error?: string, ms?: number, timeToRepairMs?: number, lostAt: number, finished?: number }>
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

async function kill (node: NetNode): Promise<void> {
  node.proc.kill('SIGKILL')
  await new Promise(resolve => node.proc.once('exit', resolve))
}

t.test('k=4 m=2 on 8 hosts: lost shards are rebuilt from hosts onto new hosts; renewals keep shards with their hosts', async t => {
  const { renter, hosts } = await startNetwork(t, {
    hosts: 8,
    renterConfig: {
      proofs: { interval: '300ms', timeout: '8s', maxFailures: 2 },
      storage: { repairInterval: '1s', autoRenew: true, renewBefore: '2d' }
    }
  })
  const byPeer = new Map(hosts.map(h => [h.peerId, h]))
  const file = pseudoRandomBytes(6 * MiB + 333, 41)
  const { cid } = await renter.api<{ cid: string }>('/add', { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } })
  const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=4&m=2&duration=30`, { method: 'POST' })
  const status = await uploadFinished(renter, id)
  t.equal(status.state, 'complete', status.error ?? 'uploaded')

  await t.test('a contract close to its end is renewed with the same host, without resending the shard', async t => {
    // duration 1 day < storage.renewBefore 2 days: every contract of this file is due at once.
    const small = pseudoRandomBytes(300000, 42)
    const added = await renter.api<{ cid: string }>('/add', { method: 'POST', body: small, headers: { 'content-type': 'application/octet-stream' } })
    const upload = await renter.api<{ id: string }>(`/storage/upload?arg=${added.cid}&k=2&m=1&duration=1`, { method: 'POST' })
    t.equal((await uploadFinished(renter, upload.id)).state, 'complete')
    let view: FileView | undefined
    const horizon = Math.floor(Date.now() / 1000) + 2 * 86400
    await waitFor('renewals to cover the next two days', async () => {
      view = await renter.api<FileView>(`/storage/files/${added.cid}`)
      // Renewals go on as the clock moves, so one may be in flight at any moment: read the
      // chains at a moment when every signed renewal already has the host's receipt.
      return view.shards.every(s => Math.max(...s.contracts.map(c => c.end)) >= horizon && s.contracts.every(c => c.state === 'stored'))
    }, 60000)
    for (const shard of (view as FileView).shards) {
      const chain = shard.contracts
      t.ok(chain.length >= 2, `shard ${shard.index}: renewed`)
      for (let i = 1; i < chain.length; i++) {
        const [prev, next] = [chain[i - 1], chain[i]] as [FileView['shards'][number]['contracts'][number], FileView['shards'][number]['contracts'][number]]
        t.equal(next.renews, prev.id, 'each renewal names the contract it continues')
        t.equal(next.host, prev.host, 'with the same host')
        t.equal(next.start, prev.end, 'starting when the previous one ends')
        t.equal(next.state, 'stored', 'the host signed a receipt at once')
      }
      t.equal(shard.contract, chain[0]?.id, 'the first contract is the one in force now (renewals start later)')
      const holder = byPeer.get(shard.host) as NetNode
      const onHost = await holder.api<{ contracts: Array<{ id: string, state: string }> }>('/contracts?role=host')
      t.ok(chain.every(c => onHost.contracts.some(h => h.id === c.id && h.state === 'stored')), 'the host holds every contract of the chain as stored')
      const check = await holder.api<{ shards: Array<{ cid: string, contracts: string[], ok: boolean }> }>('/host/shards/check', { method: 'POST' })
      const mine = check.shards.find(s => s.cid === shard.cid)
      t.equal(mine?.ok, true, "the host's self-check finds the one copy intact")
      t.ok(chain.every(c => mine?.contracts.includes(c.id)), 'one shard file serves the whole chain')
    }
  })

  await t.test('two hosts die: the file drops below k + ceil(m/2) = 5 and is repaired from the hosts left', async t => {
    // The local copy goes: the repair has to rebuild the shards from k shards on hosts.
    await renter.api(`/pin/${cid}`, { method: 'DELETE' })
    await renter.api('/repo/gc', { method: 'POST' })
    t.not((await fetch(`${renter.url}/api/v0/block/stat?arg=${cid}`, { method: 'POST' })).status, 200, 'the local copy is gone')

    const before = await renter.api<FileView>(`/storage/files/${cid}`)
    t.match(before, { healthy: 6, repairThreshold: 5, repairs: [] })
    const cids = before.shards.map(s => s.cid)
    const original = new Set(before.shards.map(s => s.host))
    const lost = [1, 4]
    const dead = lost.map(i => byPeer.get(before.shards[i]?.host as string) as NetNode)
    for (const node of dead) await kill(node)

    let after: FileView | undefined
    await waitFor('the repair to finish', async () => {
      after = await renter.api<FileView>(`/storage/files/${cid}`)
      return after.repairs.some(r => r.ok === true) && after.healthy === 6
    }, 120000)
    const view = after as FileView
    const repair = view.repairs.find(r => r.ok === true) as FileView['repairs'][number]
    t.same(repair.lost.map(l => l.index).sort(), lost, 'the two lost shards were rebuilt')
    t.same(repair.lost.map(l => l.host).sort(), dead.map(d => d.peerId).sort(), 'naming the hosts that lost them')
    t.equal(repair.source, 'hosts', 'from k shards fetched from hosts: the renter has no local copy')
    t.same(view.shards.map(s => s.cid), cids, 'the rebuilt shards have the same CIDs (the new hosts checked them and their Merkle roots)')
    const now = new Set(view.shards.map(s => s.host))
    t.equal(now.size, 6, 'six shards on six distinct hosts again')
    for (const i of lost) {
      const shard = view.shards[i] as FileView['shards'][number]
      t.notOk(original.has(shard.host), `shard ${i} is on a host that held nothing of this file`)
      t.equal(shard.state, 'stored')
      t.match(shard.contracts.map(c => c.state), ['failed', 'stored'], `shard ${i}: the failed contract, then the repair's`)
    }
    t.ok((repair.timeToRepairMs ?? 0) >= (repair.ms ?? Infinity) && (repair.ms ?? 0) > 0, 'time to repair (since the loss) and the repair itself are recorded')
    t.match(renter.stderr(), /"timeToRepairMs":\d+/, 'and the time to repair is logged')
    t.comment(`time to repair ${String(repair.timeToRepairMs)} ms, the repair itself ${String(repair.ms)} ms (2 shards of a 6 MiB file, k=4)`)

    // Two more hosts die: one that held a shard from the start, one that took a repaired shard.
    const repairedHost = byPeer.get(view.shards[1]?.host as string) as NetNode
    const originalHost = byPeer.get(view.shards[0]?.host as string) as NetNode
    await kill(repairedHost)
    await kill(originalHost)
    const left = view.shards.filter(s => s.index !== 0 && s.index !== 1)
    t.equal(left.filter(s => original.has(s.host)).length, 3, 'without the repair only 3 shards would be left: fewer than k')
    const res = await fetch(`${renter.url}/cat/${cid}`)
    t.equal(res.status, 200)
    t.equal(sha(new Uint8Array(await res.arrayBuffer())), sha(file), 'cat rebuilds the file byte-identical from the 4 shards left')
  })
})
