import t from 'tap'
import { readdir } from 'node:fs/promises'
import { startTestApp } from './helpers/app.js'
import { pseudoRandomBytes } from './helpers/node.js'

async function add (app: any, data: Uint8Array, query = ''): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/add${query}`, payload: Buffer.from(data), headers: { 'content-type': 'application/octet-stream' } })
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json().cid
}

t.test('pin, unpin, list and garbage-collect', async t => {
  const { app, node } = await startTestApp(t)
  const shared = pseudoRandomBytes(256 * 1024 * 4, 1)
  const a = Buffer.concat([shared, pseudoRandomBytes(1000, 2)])
  const b = Buffer.concat([shared, pseudoRandomBytes(1000, 3)])
  const cidA = await add(app, a)
  const cidB = await add(app, b, '?pin=false')
  const listed = (await app.inject({ method: 'GET', url: '/pins' })).json()
  t.same(listed.pins.map((p: { cid: string }) => p.cid), [cidA], 'only the pinned file is listed')
  const indirect = (await app.inject({ method: 'GET', url: '/pins?type=indirect' })).json().pins
  t.equal(indirect.length, 5, 'the leaves of A are pinned indirectly')

  const gc1 = (await app.inject({ method: 'POST', url: '/repo/gc' })).json()
  t.equal(gc1.removedBlocks, 2, "B's root and its own last leaf go; shared leaves stay")
  t.equal((await app.inject({ method: 'GET', url: `/cat/${cidA}` })).rawPayload.equals(a), true, 'A is intact')
  t.equal((await app.inject({ method: 'GET', url: `/cat/${cidB}` })).statusCode, 404, 'B is gone')

  const unpin = await app.inject({ method: 'DELETE', url: `/pin/${cidA}` })
  t.same(unpin.json(), { cid: cidA })
  t.equal((await app.inject({ method: 'DELETE', url: `/pin/${cidA}` })).json().code, 'NOT_PINNED')
  const gc2 = (await app.inject({ method: 'POST', url: '/repo/gc' })).json()
  t.equal(gc2.removedBlocks, 6)
  t.ok(gc2.freedBytes > a.length, 'the freed bytes are reported')
  t.same(await node.blocks.stat(), { blocks: 0, bytes: 0, packs: 0 })
  t.same((await readdir(node.repo.paths.blocks)).filter(f => f.endsWith('.pack')), [], 'pack files are deleted')
})

t.test('pin add checks the DAG is complete; direct pins; conflicts', async t => {
  const { app } = await startTestApp(t)
  const data = pseudoRandomBytes(256 * 1024 * 2 + 5, 4)
  const cid = await add(app, data, '?pin=false')
  const ls = (await app.inject({ method: 'GET', url: `/ls/${cid}` })).json()
  const leaf = ls.links[0].cid as string
  const direct = await app.inject({ method: 'POST', url: `/pin/${leaf}?recursive=false&name=first-leaf` })
  t.same(direct.json(), { cid: leaf, type: 'direct', name: 'first-leaf' })
  const recursive = await app.inject({ method: 'POST', url: `/pin/${cid}` })
  t.same(recursive.json(), { cid, type: 'recursive' })
  t.equal((await app.inject({ method: 'POST', url: `/pin/${cid}?recursive=false` })).json().code, 'PIN_CONFLICT')
  t.equal((await app.inject({ method: 'GET', url: '/pins?type=direct' })).json().pins.length, 1)
  await app.inject({ method: 'DELETE', url: `/pin/${cid}` })
  await app.inject({ method: 'POST', url: '/repo/gc' })
  t.equal((await app.inject({ method: 'GET', url: `/cat/${leaf}` })).statusCode, 200, 'the directly pinned leaf survives GC')
  const broken = await app.inject({ method: 'POST', url: `/pin/${cid}` })
  t.equal(broken.statusCode, 404, 'a recursive pin of an incomplete DAG is refused')
  t.equal(broken.json().code, 'BLOCK_NOT_FOUND')
})

t.test('GC keeps partially-live packs readable and compacts them', async t => {
  const { app, node } = await startTestApp(t)
  const keep = pseudoRandomBytes(300000, 5)
  const drop = pseudoRandomBytes(3000000, 6)
  // each add writes its own pack; the kept file's first leaf is deduplicated against the
  // dropped file's pack, so after GC that pack is mostly dead but still holds a live block
  const cidDrop = await add(app, Buffer.concat([keep.subarray(0, 262144), drop]), '?pin=false')
  const cidKeep = await add(app, keep)
  t.ok(cidDrop !== cidKeep)
  const before = await node.blocks.stat()
  t.equal(before.packs, 2)
  await app.inject({ method: 'POST', url: '/repo/gc' })
  const after = await node.blocks.stat()
  t.equal(after.packs, 2, 'the mostly-dead pack was rewritten into a new one')
  t.ok(after.bytes < 400000, 'the dead 3 MB are reclaimed')
  t.ok((await app.inject({ method: 'GET', url: `/cat/${cidKeep}` })).rawPayload.equals(Buffer.from(keep)), 'kept file is intact after compaction')
})
