import t from 'tap'
import { connect } from 'node:net'
import { readdir, readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { waitFor } from './helpers/wait.js'
import { spawnDaemon, runCli } from './helpers/daemon.js'
import { pseudoRandomBytes } from './helpers/node.js'

t.setTimeout(120000)

async function addRaw (url: string, data: Uint8Array, query = ''): Promise<string> {
  const res = await fetch(`${url}/add${query}`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
  return (await res.json() as { cid: string }).cid
}

t.test('pins and files survive a restart; SIGTERM stops HTTP, then the node, then LevelDB', async t => {
  const repo = t.testdir()
  const first = await spawnDaemon(t, repo, { env: { BTFS_TS_LOG: 'info' } })
  t.ok(existsSync(join(repo, 'config.json')) && existsSync(join(repo, 'keystore', 'identity.key')), 'the first start created the repo')
  t.equal((await readFile(join(repo, 'api'), 'utf8')).trim(), first.url, 'the api file names the running API')
  const cookie = (await readFile(join(repo, 'api.cookie'), 'utf8')).trim()
  t.match(cookie, /^[0-9a-f]{64}$/, 'the API cookie is written at start')
  const data = pseudoRandomBytes(3 * 1024 * 1024 + 17, 21)
  const cid = await addRaw(first.url, data)
  const loose = await addRaw(first.url, pseudoRandomBytes(1000, 22), '?pin=false')
  const peer = (await (await fetch(`${first.url}/id`)).json() as any).id
  t.equal(await first.stop(), 0, 'clean exit on SIGTERM')
  const order = ['api stopped', 'datastore closed', 'node stopped'].map(m => first.stderr().indexOf(`"msg":"${m}"`))
  t.ok(order.every(i => i >= 0) && order[0]! < order[1]! && order[1]! < order[2]!, 'HTTP stops before the node, LevelDB closes inside the node stop')
  t.notOk(existsSync(join(repo, 'api')), 'the api file is removed')
  t.notOk(existsSync(join(repo, 'api.cookie')), 'and the cookie')
  t.notOk(first.stdout().includes(cookie) || first.stderr().includes(cookie), 'which never appeared in the output or the log')
  t.notOk(existsSync(join(repo, 'repo.lock')), 'the lock is released')

  const second = await spawnDaemon(t, repo)
  t.equal((await (await fetch(`${second.url}/id`)).json() as any).id, peer, 'same identity after restart')
  const back = Buffer.from(await (await fetch(`${second.url}/cat/${cid}`)).arrayBuffer())
  t.ok(back.equals(Buffer.from(data)), 'the pinned file is back, byte for byte')
  const pins = (await (await fetch(`${second.url}/pins`)).json() as any).pins.map((p: { cid: string }) => p.cid)
  t.same(pins, [cid])
  t.equal((await fetch(`${second.url}/cat/${loose}`)).status, 200, 'unpinned blocks stay until GC')
})

t.test('a second daemon on the same repo exits with a clear message', async t => {
  const repo = t.testdir()
  const first = await spawnDaemon(t, repo)
  const second = await runCli(['--repo', repo, 'daemon', '--api', '127.0.0.1:0'])
  t.equal(second.code, 1)
  t.match(second.stderr, repo, 'names the repo')
  t.match(second.stderr, `pid ${first.proc.pid ?? -1}`, 'names the other process')
  t.match(second.stderr, /locked/)
  t.equal((await fetch(`${first.url}/health`)).status, 200, 'the first daemon is unaffected')
})

t.test('an upload aborted mid-body leaves no pin and no partial data', async t => {
  const repo = t.testdir()
  const daemon = await spawnDaemon(t, repo)
  const { port } = new URL(daemon.url)
  const socket = connect(Number(port), '127.0.0.1')
  await new Promise(resolve => socket.once('connect', resolve))
  socket.write(`POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`)
  for (let i = 0; i < 12; i++) socket.write(pseudoRandomBytes(1024 * 1024, 23 + i))
  const packs = async (): Promise<string[]> => (await readdir(join(repo, 'blocks'))).filter(f => f.endsWith('.pack'))
  await waitFor('the daemon to start writing a pack', async () => (await packs()).length > 0)
  socket.destroy()
  await waitFor('the aborted add to be cleaned up', async () => (await packs()).length === 0)
  t.same((await (await fetch(`${daemon.url}/pins`)).json() as any).pins, [], 'nothing is pinned')
  t.equal((await (await fetch(`${daemon.url}/repo/gc`, { method: 'POST' })).json() as any).removedBlocks, 0, 'no block was left for GC')
  const after = await addRaw(daemon.url, Buffer.from('still works'))
  t.ok(after.startsWith('bafk'), 'the daemon keeps serving')
})

t.test('a second signal forces the exit while a slow request holds the shutdown', async t => {
  const daemon = await spawnDaemon(t, t.testdir())
  const { port } = new URL(daemon.url)
  const socket = connect(Number(port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  await new Promise(resolve => socket.once('connect', resolve))
  socket.write(`POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\nstarted`)
  daemon.proc.kill('SIGTERM')
  await waitFor('the shutdown to begin', () => daemon.stderr().includes('shutting down'))
  daemon.proc.kill('SIGTERM')
  const [code] = await new Promise<[number | null]>(resolve => daemon.proc.once('exit', code => { resolve([code]) }))
  t.equal(code, 1)
  t.match(daemon.stderr(), /exiting now/)
})
