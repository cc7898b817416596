import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli, spawnDaemon } from '../helpers/daemon.js'
import { pseudoRandomBytes } from '../helpers/node.js'

// Finding 8: the API takes file system paths. Any local user could make the daemon write and
// read folders as the daemon's user; now those routes (and the ones that spend from the
// wallet) need the API cookie, which only the daemon's user can read.

t.setTimeout(120000)

t.test('routes that touch the daemon\'s files or wallet need the API cookie', async t => {
  const dir = t.testdir({ out: {} })
  const repo = join(dir, 'repo')
  const daemon = await spawnDaemon(t, repo, { env: { BTFS_TS_LOG: 'debug' } })
  const api = daemon.url
  const cookiePath = join(repo, 'api.cookie')
  const cookie = (await readFile(cookiePath, 'utf8')).trim()
  const data = pseudoRandomBytes(300000, 81)
  const { cid } = await (await fetch(`${api}/add`, { method: 'POST', body: data })).json() as { cid: string }
  const post = async (path: string, credential?: string): Promise<{ status: number, body: { code?: string, message?: string, manifest?: string } }> => {
    const res = await fetch(`${api}${path}`, { method: 'POST', headers: credential !== undefined ? { authorization: `Bearer ${credential}` } : {} })
    return { status: res.status, body: await res.json() as { code?: string } }
  }
  const out = join(dir, 'out', 'set')
  const encode = (folder: string): string => `/shards/encode?cid=${cid}&k=2&m=1&out=${encodeURIComponent(folder)}`

  await t.test('the cookie: 64 hex digits, 0600, in the repo, never in the output', async t => {
    t.match(cookie, /^[0-9a-f]{64}$/)
    t.equal((await stat(cookiePath)).mode & 0o777, 0o600, 'only the daemon\'s user can read it')
    t.notOk(daemon.stdout().includes(cookie) || daemon.stderr().includes(cookie), 'not printed, not logged (debug level)')
    const everything = await Promise.all(['/id', '/version', '/wallet', '/openapi.json', '/settlement'].map(async p => await (await fetch(`${api}${p}`)).text()))
    t.notOk(everything.some(body => body.includes(cookie)), 'no route returns it')
  })

  await t.test('without it: refused, and nothing is created or read', async t => {
    for (const credential of [undefined, '', 'nope', cookie.slice(0, 63), cookie.toUpperCase()]) {
      const refused = await post(encode(out), credential)
      t.equal(refused.status, 401, `encode with ${credential === undefined ? 'no credential' : `"${credential.slice(0, 8)}…"`}`)
      t.equal(refused.body.code, 'UNAUTHORIZED')
      t.match(refused.body.message, /api\.cookie/, 'the message says what to send')
    }
    t.notOk(existsSync(out), 'the folder was not created')
    t.same(await readdir(join(dir, 'out')), [], 'nothing was written')
    t.equal((await post(`/shards/decode?manifest=${cid}&from=${encodeURIComponent(dir)}`)).status, 401, 'decode: refused')
    for (const path of ['/wallet/deposit?amount=1', '/wallet/withdraw?amount=1', '/wallet/withdraw?complete=true', '/wallet/vault?lock=1d', '/cheques/cash']) {
      const refused = await post(path)
      t.equal(refused.status, 401, `${path}: spends from the wallet, refused`)
    }
  })

  await t.test('paths must be absolute and normalized', async t => {
    for (const bad of ['out/set', './set', 'set', `${dir}/out/../out/set`, `${dir}//out/set`, `${dir}/out/./set`, `${dir}/out/set\0x`, '~/set']) {
      const refused = await post(encode(bad), cookie)
      t.equal(refused.status, 400, JSON.stringify(bad))
      t.equal(refused.body.code, 'INVALID_PATH')
    }
    t.equal((await post(`/shards/decode?manifest=${cid}&from=relative`, cookie)).body.code, 'INVALID_PATH', 'decode too')
    t.notOk(existsSync(join(process.cwd(), 'out')) || existsSync(join(process.cwd(), 'set')), 'nothing appeared in the daemon\'s working directory')
    t.same(await readdir(join(dir, 'out')), [], 'nor next to the real folder')
  })

  await t.test('with it: encode writes the shards, decode reads them; money routes reach the wallet', async t => {
    const encoded = await post(encode(out), cookie)
    t.equal(encoded.status, 200, JSON.stringify(encoded.body))
    t.equal((await readdir(out)).length, 4, 'three shard files and the manifest')
    const decoded = await fetch(`${api}/shards/decode?manifest=${encoded.body.manifest ?? ''}&from=${encodeURIComponent(out)}`, { method: 'POST', headers: { authorization: `Bearer ${cookie}` } })
    t.equal(decoded.status, 200)
    t.ok(Buffer.from(await decoded.arrayBuffer()).equals(Buffer.from(data)), 'the file is rebuilt')
    const noChain = await post('/wallet/deposit?amount=1', cookie)
    t.equal(noChain.body.code, 'NO_CHAIN', 'past the guard: this node has no chain')
  })

  await t.test('the CLI of the daemon\'s user sends the cookie: shards encode/decode work as before', async t => {
    const folder = join(dir, 'out', 'cli')
    const encoded = await runCli(['--repo', repo, 'shards', 'encode', cid, '--out', folder, '--k', '2', '--m', '1'])
    t.equal(encoded.code, 0, encoded.stderr)
    const manifest = encoded.stdout.trim()
    const file = join(dir, 'out', 'rebuilt.bin')
    const decoded = await runCli(['--repo', repo, 'shards', 'decode', manifest, '--from', folder, '-o', file])
    t.equal(decoded.code, 0, decoded.stderr)
    t.ok((await readFile(file)).equals(Buffer.from(data)))
  })

  await t.test('a second local user cannot read the cookie, so cannot use the routes', { skip: process.getuid?.() === 0 ? false : 'needs root to run a process as another user' }, async t => {
    const script = `
      const fs = require('node:fs')
      let cookie = ''
      let read = 'read'
      try { cookie = fs.readFileSync(${JSON.stringify(cookiePath)}, 'utf8').trim() } catch (err) { read = err.code }
      fetch(${JSON.stringify(api + encode(join(dir, 'out', 'other-user')))}, { method: 'POST', headers: cookie ? { authorization: 'Bearer ' + cookie } : {} })
        .then(async res => { console.log(JSON.stringify({ read, status: res.status, body: await res.json() })) })`
    const child = spawn(process.execPath, ['-e', script], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    await once(child, 'exit')
    const result = JSON.parse(output) as { read: string, status: number, body: { code: string } }
    t.equal(result.read, 'EACCES', 'the cookie file is not readable by another user')
    t.equal(result.status, 401)
    t.equal(result.body.code, 'UNAUTHORIZED')
    t.notOk(existsSync(join(dir, 'out', 'other-user')), 'and nothing was written for it')
  })

  await t.test('public routes stay open on loopback', async t => {
    t.equal((await fetch(`${api}/cat/${cid}`)).status, 200)
    t.equal((await fetch(`${api}/add`, { method: 'POST', body: 'x' })).status, 200)
    t.equal((await fetch(`${api}/pins`)).status, 200)
  })

  await t.test('the cookie is removed at stop', async t => {
    t.equal(await daemon.stop(), 0)
    t.notOk(existsSync(cookiePath))
  })
})
