import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from './helpers/daemon.js'
import { startNetNode, startNetwork, uploadFinished, type NetNode, type UploadStatus as Upload } from './helpers/network.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'

t.setTimeout(300000)

const MiB = 1024 * 1024
const cheap = '100000000000000000000' // 100 BTT per GiB-month
const maxPrice = '200000000000000000000'
const dear = '900000000000000000000'


async function add (node: NetNode, data: Uint8Array): Promise<string> {
  const res = await node.api<{ cid: string }>('/add', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
  return res.cid
}


function sha (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

t.test('1 renter + 7 hosts: upload, resume after a renter crash, rebuild from hosts after losing the local copy', async t => {
  const network = t
  // Host 6 asks more than the renter pays: it must never get a contract.
  const { renter, hosts } = await startNetwork(t, {
    hosts: 7,
    hostConfig: i => ({ host: { price: i === 6 ? dear : cheap } }),
    renterConfig: { storage: { uploadRate: 2 * MiB, maxPrice } }
  })
  const byPeer = new Map(hosts.map(h => [h.peerId, h]))
  const dearHost = hosts[6] as NetNode

  const wallet = await renter.api<Record<string, unknown>>('/wallet')
  t.match(wallet, { address: /^T[1-9A-HJ-NP-Za-km-z]{33}$/ }, '/wallet shows a TRON address')
  t.same(Object.keys(wallet).sort(), ['address', 'balances', 'chain', 'vault'], '/wallet shows the address, chain, vault and balances')
  t.notMatch(JSON.stringify(wallet), /[0-9a-f]{64}/i, 'and no key')
  const listed = await renter.api<{ hosts: Array<{ peerId: string, ad: { price: string, address: string } }> }>('/hosts')
  t.equal(listed.hosts.length, 7, 'GET /hosts lists every host found on the DHT')
  t.ok(listed.hosts.some(h => h.peerId === dearHost.peerId && h.ad.price === dear), 'with its signed ad')

  await t.test('a renter killed mid-upload resumes the same session after restart', async t => {
    const file = pseudoRandomBytes(8 * MiB, 7)
    const cid = await add(renter, file)
    const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=4&m=2&duration=30`, { method: 'POST' })
    let before: Upload | undefined
    await waitFor('bytes to flow to the hosts', async () => {
      before = await renter.api<Upload>(`/storage/upload/${id}`)
      return before.state === 'uploading' && before.shards.some(s => s.bytesSent > 0)
    }, 60000)
    renter.proc.kill('SIGKILL')
    await new Promise(resolve => renter.proc.once('exit', resolve))
    const mid = before as Upload
    t.ok(mid.shards.every(s => s.state !== 'stored' || s.bytesSent > 0), 'killed while shards were in flight')

    const cli = await runCli(['--repo', renter.repo, 'config', 'set', 'storage.uploadRate', '0'])
    t.equal(cli.code, 0)
    const restarted = await startNetNode(network, { repo: renter.repo, bootstrap: hosts[0] }) // lives as long as the network
    Object.assign(renter, restarted)
    const after = await uploadFinished(renter, id)
    t.equal(after.state, 'complete', after.error ?? 'the resumed upload completes')
    t.equal(after.manifest, mid.manifest, 'with the manifest made before the crash')
    for (const shard of mid.shards.filter(s => s.contractId !== undefined)) {
      t.equal(after.shards[shard.index]?.contractId, shard.contractId, `shard ${shard.index} keeps the contract signed before the crash`)
    }
    const { contracts } = await renter.api<{ contracts: Array<{ id: string, state: string }> }>('/contracts?role=renter')
    t.equal(contracts.filter(c => c.state === 'stored').length, 6, 'six stored contracts, none signed twice')
  })

  await t.test('20 MiB, k=4 m=2: stored on 6 distinct hosts, rebuilt after the local copy is gone', async t => {
    const file = pseudoRandomBytes(20 * MiB, 20)
    const cid = await add(renter, file)
    const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=4&m=2&duration=30&max-price=${maxPrice}`, { method: 'POST' })
    const status = await uploadFinished(renter, id)
    t.equal(status.state, 'complete', status.error ?? 'upload complete')
    const used = new Set(status.shards.map(s => s.host))
    t.equal(used.size, 6, 'six shards on six distinct hosts')
    t.notOk(used.has(dearHost.peerId), 'the host asking more than max-price is not used')
    t.same(status.notes, [], 'no note about shared hosts')
    const hostSide = await dearHost.api<{ contracts: unknown[] }>('/contracts?role=host')
    t.equal(hostSide.contracts.length, 0, 'the dear host signed no contract')

    // Both sides hold the contract with both signatures.
    const shard0 = status.shards[0] as Upload['shards'][number]
    const holder = byPeer.get(shard0.host as string) as NetNode
    const theirs = await holder.api<{ contracts: Array<{ id: string, state: string, renterSignature: string, hostSignature: string }> }>('/contracts?role=host')
    const mine = await renter.api<{ contracts: Array<{ id: string, renterSignature: string, hostSignature: string }> }>('/contracts?role=renter')
    const onHost = theirs.contracts.find(c => c.id === shard0.contractId)
    t.equal(onHost?.state, 'stored', 'the host recorded the contract as stored')
    const onRenter = mine.contracts.find(c => c.id === shard0.contractId)
    t.ok(onHost?.renterSignature.startsWith('0x'), 'signed by the renter')
    t.equal(onHost?.renterSignature, onRenter?.renterSignature, "the host keeps the renter's signature")
    t.equal(onHost?.hostSignature, onRenter?.hostSignature, "the renter keeps the host's signature")

    await renter.api(`/pin/${cid}`, { method: 'DELETE' })
    await renter.api('/repo/gc', { method: 'POST' })
    const blocks = await fetch(`${renter.url}/api/v0/block/stat?arg=${cid}`, { method: 'POST' })
    t.not(blocks.status, 200, 'the local copy is gone')

    // A host that serves a corrupted shard: its shard is never used.
    const shardFile = join(holder.repo, 'shards', shard0.cid)
    const bytes = await readFile(shardFile)
    bytes[bytes.length >> 1] ^= 0x01
    await writeFile(shardFile, bytes)
    const first = await fetch(`${renter.url}/cat/${cid}`)
    t.equal(first.status, 200)
    t.equal(sha(new Uint8Array(await first.arrayBuffer())), sha(file), 'rebuilt byte-identical with a corrupted shard among the six')

    // Kill the hosts of shards 4 and 5: the corrupted shard 0 would now be needed, and is refused.
    const victims = [4, 5].map(i => byPeer.get(status.shards[i]?.host as string) as NetNode)
    for (const v of victims) { v.proc.kill('SIGKILL'); await new Promise(resolve => v.proc.once('exit', resolve)) }
    const refused = await fetch(`${renter.url}/cat/${cid}`)
    const error = await refused.json() as { code: string, message: string }
    t.equal(refused.status, 503, 'three good shards cannot rebuild the file: a clear error, not wrong bytes')
    t.equal(error.code, 'NOT_ENOUGH_SHARDS')
    t.match(error.message, /shard 0 from \S+: shard bytes do not match the shard CID/, 'naming the corrupted shard')

    const health = await renter.api<{ files: Array<{ root: string, reachable: number, total: number, recoverable: boolean }> }>('/storage/files')
    t.match(health.files.find(f => f.root === cid), { reachable: 4, total: 6, recoverable: true }, 'health: 4 of 6 hosts answer for their shard')

    // The host repairs its disk: the four hosts left rebuild the file.
    bytes[bytes.length >> 1] ^= 0x01
    await writeFile(shardFile, bytes)
    const second = await fetch(`${renter.url}/cat/${cid}`)
    t.equal(second.status, 200)
    t.equal(sha(new Uint8Array(await second.arrayBuffer())), sha(file), 'rebuilt byte-identical from the 4 hosts left after 2 were killed')
    const ranged = await fetch(`${renter.url}/cat/${cid}`, { headers: { range: 'bytes=5000000-5000099' } })
    t.equal(ranged.status, 206)
    t.same(new Uint8Array(await ranged.arrayBuffer()), file.subarray(5000000, 5000100), 'a range of the rebuilt file')
  })
})
