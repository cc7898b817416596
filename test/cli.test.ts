import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli, spawnDaemon, cliPath } from './helpers/daemon.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'

t.setTimeout(120000)

t.test('without a daemon the CLI opens the repo itself', async t => {
  const repo = join(t.testdir(), 'repo')
  const cli = async (...args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> => await runCli(['--repo', repo, ...args])
  const init = await cli('init')
  t.equal(init.code, 0)
  t.match(init.stdout, /peer id: 12D3KooW/)
  t.equal((await cli('init')).code, 1, 'init twice fails')

  const file = join(repo, '..', 'photo.bin')
  const data = pseudoRandomBytes(700000, 31)
  await writeFile(file, data)
  const added = await cli('add', file)
  t.equal(added.code, 0, added.stderr)
  const [, cid, name] = /^added (\S+) (\S+)\n$/.exec(added.stdout) ?? []
  t.equal(name, 'photo.bin')
  const quiet = await runCli(['--repo', repo, 'add', '-q', '--cid-version', '0', '-'], { input: new TextEncoder().encode('hello world\n') })
  t.equal(quiet.stdout, 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\n', '--quiet prints only the CID; - reads stdin')
  t.equal(quiet.stderr, '', 'no progress bar when stderr is not a terminal')

  const cat = execFileSync(process.execPath, [cliPath, '--repo', repo, 'cat', cid as string])
  t.ok(cat.equals(Buffer.from(data)), 'cat writes the bytes to stdout')
  const part = execFileSync(process.execPath, [cliPath, '--repo', repo, 'cat', '--offset', '10', '--length', '5', cid as string])
  t.ok(part.equals(Buffer.from(data.subarray(10, 15))))
  const out = join(repo, '..', 'copy.bin')
  t.equal((await cli('get', cid as string, '-o', out)).code, 0)
  t.ok((await readFile(out)).equals(Buffer.from(data)), 'get saves the file')
  t.match((await cli('ls', cid as string)).stdout, /bafkrei\S+ 262144 raw/)

  t.match((await cli('pin', 'ls')).stdout, cid as string)
  t.equal((await cli('pin', 'rm', cid as string)).code, 0)
  const gc = await cli('repo', 'gc')
  t.match(gc.stdout, /4 blocks removed/)
  const gone = await cli('cat', cid as string)
  t.equal(gone.code, 1)
  t.match(gone.stderr, /^Error: block \S+ not found/)
  const bad = await cli('cat', 'not-a-cid')
  t.match(bad.stderr, /"not-a-cid" is not a valid CID/)

  t.match(JSON.parse((await cli('id')).stdout).id, /^12D3KooW/)
  t.equal(JSON.parse((await cli('version')).stdout).name, 'btfs-ts')
  t.equal((await cli('config', 'get', 'api.address')).stdout, '127.0.0.1:5001\n')
  t.equal((await cli('config', 'set', 'api.maxBodyBytes', '1000')).code, 0)
  t.equal((await cli('config', 'get', 'api.maxBodyBytes')).stdout, '1000\n')
  const badSet = await cli('config', 'set', 'api.maxBodyBytes', 'lots')
  t.equal(badSet.code, 1)
  t.match(badSet.stderr, /api.maxBodyBytes/)
  t.equal(JSON.parse((await cli('config', 'show')).stdout).api.maxBodyBytes, 1000, 'a rejected set changes nothing')
})

t.test('with a daemon running the CLI goes through its API', async t => {
  const repo = t.testdir()
  const daemon = await spawnDaemon(t, repo)
  const added = await runCli(['--repo', repo, 'add', '-q', '-'], { input: new TextEncoder().encode('via the daemon') })
  t.equal(added.code, 0, added.stderr)
  const cid = added.stdout.trim()
  const pins = (await (await fetch(`${daemon.url}/pins`)).json() as any).pins.map((p: { cid: string }) => p.cid)
  t.same(pins, [cid], 'the daemon pinned what the CLI added')
  t.equal((await runCli(['--repo', repo, 'cat', cid])).stdout, 'via the daemon')
  const set = await runCli(['--repo', repo, 'config', 'set', 'log.level', 'debug'])
  t.match(set.stdout, /restart it to apply/)
  const explicit = await runCli(['--api-url', daemon.url, '--repo', join(repo, 'elsewhere'), 'pin', 'ls'])
  t.match(explicit.stdout, cid, '--api-url talks to the given daemon')
  const key = await readFile(join(repo, 'keystore', 'wallet.key'), 'utf8')
  const rekey = await runCli(['--repo', repo, 'wallet', 'passphrase'], { input: Buffer.from('pw\npw\n') })
  t.equal(rekey.code, 1, 'the wallet key is not changed under a running daemon')
  t.match(rekey.stderr, `process ${daemon.proc.pid ?? -1}`, 'the message names the daemon')
  t.match(rekey.stderr, /stop it first/)
  t.equal(await readFile(join(repo, 'keystore', 'wallet.key'), 'utf8'), key, 'the key file is unchanged')
})

function hasScript (): boolean {
  try { execFileSync('script', ['--version'], { stdio: 'ignore' }); return true } catch { return false }
}

t.test('add shows a progress bar when stderr is a terminal', { skip: hasScript() ? false : 'util-linux script(1) not installed' }, async t => {
  const repo = join(t.testdir(), 'repo')
  const file = join(repo, '..', 'big.bin')
  await writeFile(file, pseudoRandomBytes(8 * 1024 * 1024, 32))
  t.equal((await runCli(['--repo', repo, 'init'])).code, 0)
  const command = [process.execPath, cliPath, '--repo', repo, 'add', file].map(a => `'${a}'`).join(' ')
  const out = execFileSync('script', ['-qfec', command, '/dev/null']).toString()
  t.match(out, /100\.0% ETA 0s \d+(\.\d)? MB\/s/, 'bytes, share, ETA and MB/s')
  t.match(out, /8\.0 MiB \/ 8\.0 MiB/)
  t.match(out, /added bafybei\S+ big\.bin/)
})

t.test('wallet passphrase on a terminal: asked twice, never echoed', { skip: hasScript() ? false : 'util-linux script(1) not installed' }, async t => {
  const repo = join(t.testdir(), 'repo')
  t.equal((await runCli(['--repo', repo, 'init'])).code, 0)
  const command = [process.execPath, cliPath, '--repo', repo, 'wallet', 'passphrase'].map(a => `'${a}'`).join(' ')
  // script(1) runs the command on a pseudo-terminal and forwards what we write as keystrokes
  const tty = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, BTFS_TS_WALLET_PASSPHRASE: '' } })
  let screen = ''
  tty.stdout.on('data', (d: Buffer) => { screen += d.toString() })
  const exited = once(tty, 'exit')
  const passphrase = 'tty-secret-horse-42'
  await waitFor('the first prompt', () => screen.includes('New wallet passphrase'))
  tty.stdin.write(passphrase + '\r')
  await waitFor('the confirmation prompt', () => screen.includes('The same again'))
  tty.stdin.write(passphrase + '\r')
  const [code] = await exited as [number | null]
  tty.stdin.end()
  t.equal(code, 0, screen)
  t.match(screen, /"encrypted": true/, 'the key is sealed')
  t.notMatch(screen, passphrase, 'the passphrase never appeared on the terminal')
  const { Wallet } = await import('../src/wallet/wallet.js')
  t.ok(await Wallet.open(join(repo, 'keystore', 'wallet.key'), passphrase), 'and opens with what was typed')
})
