import t from 'tap'
import { create } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import { spawnDaemon } from './helpers/daemon.js'
import { pseudoRandomBytes, collect } from './helpers/node.js'

t.setTimeout(120000)

t.test('the official kubo-rpc-client works against a btfs-ts daemon unchanged', async t => {
  const daemon = await spawnDaemon(t, t.testdir())
  const ipfs = create({ url: daemon.url })
  const hello = new TextEncoder().encode('hello world\n')

  const v0 = await ipfs.add(hello)
  t.equal(v0.cid.toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', 'kubo default is CIDv0')
  t.equal(v0.size, 20, 'Size is the cumulative DAG size, as kubo reports it')
  const v1 = await ipfs.add(hello, { cidVersion: 1 })
  t.equal(v1.cid.toString(), 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4', 'CIDv1 implies raw leaves')
  const v1pb = await ipfs.add(hello, { cidVersion: 1, rawLeaves: false })
  t.equal(v1pb.cid.toString(), CID.parse('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o').toV1().toString(), 'v1 without raw leaves is the v0 DAG')

  const big = pseudoRandomBytes(256 * 1024 * 180 + 777, 11)
  let progressed = 0
  const added = await ipfs.add(big, { progress: (bytes: number) => { progressed = bytes } })
  t.equal(added.cid.toString(), 'QmdFb28V7NuPhDNQUjz4v6w1MRrsjXsx2YHnnKxwgXRMfx', 'multi-level v0 matches kubo (checked with the independent ipfs_cid)')
  t.equal(progressed, big.length, 'progress reached the file size')
  t.ok(Buffer.from(big).equals(await collect(ipfs.cat(added.cid))), 'cat returns the bytes')
  t.ok(Buffer.from(big.subarray(1000, 1000 + 300000)).equals(await collect(ipfs.cat(added.cid, { offset: 1000, length: 300000 }))), 'cat with offset/length')
  t.equal((await collect(ipfs.cat(added.cid, { offset: big.length + 10 }))).length, 0, 'offset past the end gives nothing, as in kubo')

  const unpinned = await ipfs.add(pseudoRandomBytes(1000, 12), { pin: false })
  const pinned = await ipfs.pin.add(unpinned.cid)
  t.equal(pinned.toString(), unpinned.cid.toString())
  const listed = []
  for await (const pin of ipfs.pin.ls({ type: 'recursive' })) listed.push(pin.cid.toString())
  t.ok(listed.includes(unpinned.cid.toString()) && listed.includes(added.cid.toString()))
  const one = []
  for await (const pin of ipfs.pin.ls({ paths: [added.cid] })) one.push(pin)
  t.same(one.map(p => [p.cid.toString(), p.type]), [[added.cid.toString(), 'recursive']])
  const removed = await ipfs.pin.rm(unpinned.cid)
  t.equal(removed.toString(), unpinned.cid.toString())
  await t.rejects(ipfs.pin.rm(unpinned.cid), /not pinned/, 'kubo error bodies become HTTPErrors with our message')
  await t.rejects(collect(ipfs.cat('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')), /not found/)

  const id = await ipfs.id()
  t.equal(id.id.toString(), (await (await fetch(`${daemon.url}/id`)).json() as any).id)
  t.match(id.agentVersion, /^btfs-ts\//)
  const version = await ipfs.version()
  t.match(version.version, /^\d+\.\d+\.\d+/)

  const block = await ipfs.block.get(v0.cid)
  const stat = await ipfs.block.stat(v0.cid)
  t.equal(stat.size, block.length)
  t.equal(stat.cid.toString(), v0.cid.toString())
  t.equal(block.length, 20)
})

t.test('directories added with addAll are served by the path gateway', async t => {
  const daemon = await spawnDaemon(t, t.testdir())
  const ipfs = create({ url: daemon.url })
  const entries = [
    { path: 'site/index.html', content: new TextEncoder().encode('<h1>hi</h1>') },
    { path: 'site/docs/a b.txt', content: new TextEncoder().encode('spaced name') },
    { path: 'site/data.bin', content: pseudoRandomBytes(300000, 13) }
  ]
  const results = []
  for await (const r of ipfs.addAll(entries, { wrapWithDirectory: true, cidVersion: 1 })) results.push(r)
  const root = results.at(-1)
  t.equal(root?.path, '', 'the wrapper comes last')
  const rootCid = root?.cid.toString() as string
  const site = await fetch(`${daemon.url}/ipfs/${rootCid}/site/`)
  t.equal(site.status, 200)
  t.equal(await site.text(), '<h1>hi</h1>', 'a directory serves its index.html')
  const spaced = await fetch(`${daemon.url}/ipfs/${rootCid}/site/docs/a%20b.txt`)
  t.equal(await spaced.text(), 'spaced name')
  t.match(spaced.headers.get('content-type'), /text\/plain/, 'content type from the name')
  const ranged = await fetch(`${daemon.url}/ipfs/${rootCid}/site/data.bin`, { headers: { range: 'bytes=299990-' } })
  t.equal(ranged.status, 206)
  t.ok(Buffer.from(await ranged.arrayBuffer()).equals(Buffer.from(entries[2]?.content.subarray(299990) as Uint8Array)))
  const listing = await fetch(`${daemon.url}/ipfs/${rootCid}/site/docs`, { headers: { accept: 'application/json' } })
  t.same((await listing.json() as any).links.map((l: { name: string }) => l.name), ['a b.txt'])
  const missing = await fetch(`${daemon.url}/ipfs/${rootCid}/site/nope.txt`)
  t.equal(missing.status, 404)
  t.equal((await missing.json() as any).code, 'PATH_NOT_FOUND')
  const pins = []
  for await (const p of ipfs.pin.ls({ type: 'recursive' })) pins.push(p.cid.toString())
  t.same(pins, [rootCid], 'only the wrapper is pinned, as kubo does')
})
