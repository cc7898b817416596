import t from 'tap'
import { startTestNode, pseudoRandomBytes, chunks, collect } from './helpers/node.js'
import { resolveImportParams } from '../src/unixfs/params.js'

const v1 = resolveImportParams({}, { cidVersion: 1, rawLeaves: true, chunker: 'size-262144' })
const v0 = resolveImportParams({ cidVersion: 0 }, { cidVersion: 1, rawLeaves: true, chunker: 'size-262144' })

t.test('hello world vectors match kubo', async t => {
  const node = await startTestNode(t)
  const hello = new TextEncoder().encode('hello world\n')
  const a = await node.files.add(chunks(hello), { params: v0, pin: true })
  t.equal(a.cid.toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
  t.equal(a.dagSize, 20)
  const b = await node.files.add(chunks(hello), { params: v1, pin: true })
  t.equal(b.cid.toString(), 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4')
  const file = await node.files.open({ cid: a.cid, segments: [] })
  t.same(await collect(file.read()), Buffer.from(hello))
})

t.test('multi-level round trip', async t => {
  const node = await startTestNode(t)
  const data = pseudoRandomBytes(256 * 1024 * 180 + 12345, 7)
  for (const params of [v0, v1]) {
    const added = await node.files.add(chunks(data, 100000), { params, pin: true })
    const file = await node.files.open({ cid: added.cid, segments: [] })
    t.equal(file.size, data.length)
    t.ok(Buffer.from(data).equals(await collect(file.read())), `${added.cid.toString()} round trip`)
    const part = await collect(file.read({ offset: 262140, length: 300000 }))
    t.ok(Buffer.from(data.subarray(262140, 562140)).equals(part), 'range read')
  }
})
