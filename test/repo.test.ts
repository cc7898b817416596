import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { Repo, resolveRepoPath } from '../src/repo/index.js'

t.test('init creates config, identity and stores; open loads them', async t => {
  const root = join(t.testdir(), 'repo')
  const init = await Repo.init(root)
  t.match(init.peerId, /^12D3KooW/, 'an Ed25519 peer id')
  const config = JSON.parse(await readFile(join(root, 'config.json'), 'utf8'))
  t.equal(config.api.address, '127.0.0.1:5001')
  t.equal((await stat(join(root, 'keystore', 'identity.key'))).mode & 0o777, 0o600, 'the key file is private')
  t.equal((await stat(join(root, 'keystore'))).mode & 0o777, 0o700)
  await t.rejects(Repo.init(root), { code: 'REPO_INVALID', message: /already exists/ })
  const repo = await Repo.open(root, 'test')
  t.equal(repo.identity.peerId.toString(), init.peerId)
  await repo.close()
})

t.test('open fails clearly on a missing repo or a newer format', async t => {
  const root = t.testdir()
  await t.rejects(Repo.open(join(root, 'none'), 'test'), { code: 'REPO_INVALID', message: /btfs-ts init/ })
  await Repo.init(join(root, 'r'))
  await writeFile(join(root, 'r', 'version'), '99\n')
  await t.rejects(Repo.open(join(root, 'r'), 'test'), { code: 'REPO_INVALID', message: /version 99/ })
})

t.test('the lock keeps a second user out and is taken over when stale', async t => {
  const root = t.testdir()
  await Repo.init(root)
  const first = await Repo.open(root, 'first')
  await t.rejects(Repo.open(root, 'second'), { code: 'REPO_LOCKED', message: new RegExp(`pid ${process.pid}`) })
  await first.close()
  const again = await Repo.open(root, 'again')
  await again.close()

  const child = spawn(process.execPath, ['-e', '0'])
  await once(child, 'exit')
  await writeFile(join(root, 'repo.lock'), JSON.stringify({ pid: child.pid, hostname: hostname(), command: 'daemon', startedAt: new Date().toISOString() }))
  const taken = await Repo.open(root, 'after a crash')
  t.pass('a lock left by a dead process is taken over')
  await taken.close()
})

t.test('the repo path comes from the flag, then BTFS_TS_PATH, then ~/.btfs-ts', async t => {
  t.equal(resolveRepoPath('/a/b', { BTFS_TS_PATH: '/c' }), '/a/b')
  t.equal(resolveRepoPath(undefined, { BTFS_TS_PATH: '/c' }), '/c')
  t.match(resolveRepoPath(undefined, {}), /\.btfs-ts$/)
})

t.test('config.json is merged over the defaults', async t => {
  const root = t.testdir()
  await Repo.init(root)
  await writeFile(join(root, 'config.json'), JSON.stringify({ api: { token: 'x' } }))
  const repo = await Repo.open(root, 'test', {})
  t.equal(repo.config.api.token, 'x')
  t.equal(repo.config.api.address, '127.0.0.1:5001', 'missing keys get their defaults')
  await repo.close()
  await writeFile(join(root, 'config.json'), '{ not json')
  await t.rejects(Repo.open(root, 'test'), { code: 'CONFIG_INVALID', message: /config.json/ })
  t.notOk(await stat(join(root, 'repo.lock')).catch(() => false), 'a failed open releases the lock')
})

t.test('writeFileAtomic: concurrent writers of one file never fail or mix, and leave no temp file', async t => {
  const { writeFileAtomic } = await import('../src/repo/index.js')
  const { readdir } = await import('node:fs/promises')
  const dir = t.testdir()
  const path = join(dir, 'config.json')
  const contents = Array.from({ length: 50 }, (_, i) => JSON.stringify({ writer: i, pad: 'x'.repeat(10000 + i) }))
  await Promise.all(contents.map(async c => { await writeFileAtomic(path, c, 0o600) }))
  t.ok(contents.includes(await readFile(path, 'utf8')), 'the file is one writer\'s whole content')
  t.equal((await stat(path)).mode & 0o777, 0o600)
  t.same(await readdir(dir), ['config.json'], 'no temp file left')
  await t.rejects(writeFileAtomic(join(dir, 'missing', 'x'), 'y'), { code: 'ENOENT' })
  t.same(await readdir(dir), ['config.json'], 'a failed write leaves nothing either')
})

t.test('the API cookie: a fresh 0600 secret each time, readable back, removed', async t => {
  const { writeApiCookie, readApiCookie } = await import('../src/repo/index.js')
  const dir = t.testdir()
  const path = join(dir, 'api.cookie')
  const first = await writeApiCookie(path)
  t.match(first.secret, /^[0-9a-f]{64}$/)
  t.equal((await stat(path)).mode & 0o777, 0o600)
  t.equal(await readApiCookie(path), first.secret)
  const second = await writeApiCookie(path)
  t.not(second.secret, first.secret, 'a new secret at every start')
  await second.remove()
  t.equal(await readApiCookie(path), '', 'gone after remove')
  await writeFile(path, 'not a cookie')
  t.equal(await readApiCookie(path), '', 'a damaged file is no cookie')
})
