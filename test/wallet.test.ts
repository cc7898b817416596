import t from 'tap'
import { createCipheriv, randomBytes, scryptSync } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { TronWeb } from 'tronweb'
import { Wallet, createWalletKey, rekeyWalletFile, tronAddress, verifyTyped } from '../src/wallet/wallet.js'
import { runCli } from './helpers/daemon.js'
import { Repo } from '../src/repo/index.js'
import { contractTypedData, type ContractTerms } from '../src/contracts/terms.js'

t.test('addresses are the ones tronweb derives', async t => {
  for (let i = 0; i < 20; i++) {
    const key = randomBytes(32)
    t.equal(tronAddress(key), TronWeb.address.fromPrivateKey(key.toString('hex')))
  }
})

t.test('a wallet signs TIP-712 contracts that verify for its address only, and never shows its key', async t => {
  const dir = t.testdir()
  const path = join(dir, 'keystore', 'wallet.key')
  const wallet = await Wallet.open(path)
  t.equal((await stat(path)).mode & 0o777, 0o600, 'key file is 0600')
  t.equal((await Wallet.open(path)).address, wallet.address, 'the same key is loaded again')
  const other = join(dir, 'other.key')
  await createWalletKey(other)
  const stranger = await Wallet.open(other)

  const terms: ContractTerms = {
    id: '0x' + '11'.repeat(32), renter: wallet.address, renterPeer: 'renter', host: stranger.address, hostPeer: 'host',
    shardCid: 'bafk', shardSize: 100, merkleRoot: '0x' + '22'.repeat(32), leafSize: 4096, start: 1, duration: 30,
    price: '1000', amount: '1', challengeIntervalMs: 3_600_000, challengeLeaves: 8
  }
  const typed = contractTypedData(terms, 728126428)
  const signature = await wallet.signTyped(typed)
  t.ok(await verifyTyped(typed, signature, wallet.address), 'verifies for the signer')
  t.notOk(await verifyTyped(typed, signature, stranger.address), 'not for another address')
  t.notOk(await verifyTyped(contractTypedData({ ...terms, price: '1001' }, 728126428), signature, wallet.address), 'not for changed terms')
  t.notOk(await verifyTyped(typed, '0x1234', wallet.address), 'a malformed signature is false, not a throw')

  const key = (await import('node:fs/promises')).readFile(path, 'utf8')
  const hex = (await key).trim()
  t.notOk(JSON.stringify(wallet).includes(hex), 'not in JSON')
  t.notOk(inspect(wallet, { showHidden: true, depth: 5 }).includes(hex), 'not in util.inspect')

  await writeFile(path, 'nonsense')
  await t.rejects(Wallet.open(path), { code: 'REPO_INVALID' }, 'a damaged key file is a clear error')
})

t.test('a wallet key sealed with a passphrase: 0600, no key in clear, unlocked only by the passphrase', async t => {
  const dir = t.testdir()
  const path = join(dir, 'keystore', 'wallet.key')
  await createWalletKey(path, 'correct horse battery staple')
  const text = await readFile(path, 'utf8')
  t.equal((await stat(path)).mode & 0o777, 0o600, 'mode 0600')
  const sealed = JSON.parse(text) as { address: string, kdf: { name: string, N: number, r: number, p: number } }
  t.equal(sealed.kdf.name, 'scrypt')
  t.same([sealed.kdf.N, sealed.kdf.r, sealed.kdf.p], [2 ** 17, 8, 1], 'new seals use scrypt N = 2^17, r = 8, p = 1')
  await t.rejects(Wallet.open(path, undefined), { code: 'WALLET_LOCKED', message: /BTFS_TS_WALLET_PASSPHRASE/ }, 'without the passphrase: a clear error')
  await t.rejects(Wallet.open(path, 'wrong'), { code: 'WALLET_LOCKED', message: /not the passphrase/ }, 'a wrong passphrase: a clear error')
  const wallet = await Wallet.open(path, 'correct horse battery staple')
  t.equal(wallet.address, sealed.address, 'the right passphrase opens it; the address is readable without it')

  // Sealing a plain key file and opening it again keeps the same key.
  const plain = join(dir, 'plain.key')
  await createWalletKey(plain, '')
  const hex = (await readFile(plain, 'utf8')).trim()
  t.match(hex, /^[0-9a-f]{64}$/, 'without a passphrase the file is the hex key')
  const before = await Wallet.open(plain, undefined)
  t.same(await rekeyWalletFile(plain, 'pw', undefined), { address: before.address, encrypted: true })
  const after = await readFile(plain, 'utf8')
  t.notOk(after.includes(hex), 'the sealed file does not hold the key in clear')
  t.equal((await Wallet.open(plain, 'pw')).address, before.address, 'same key after sealing')
  t.same(await rekeyWalletFile(plain, '', 'pw'), { address: before.address, encrypted: false }, 'an empty passphrase opens it for good')
  t.equal((await readFile(plain, 'utf8')).trim(), hex)

  // The CLI: the new passphrase on standard input, the current one in the environment.
  const repo = join(dir, 'repo')
  await Repo.init(repo)
  const address = (await Wallet.open(join(repo, 'keystore', 'wallet.key'), undefined)).address
  const keyFile = join(repo, 'keystore', 'wallet.key')
  const plainKey = await readFile(keyFile, 'utf8')
  const once = await runCli(['--repo', repo, 'wallet', 'passphrase'], { input: Buffer.from('s3cret\n') })
  t.equal(once.code, 1, 'from a pipe the passphrase must come twice')
  t.match(once.stderr, /twice, on two lines/)
  const differ = await runCli(['--repo', repo, 'wallet', 'passphrase'], { input: Buffer.from('s3cret\ns3cert\n') })
  t.equal(differ.code, 1, 'two different lines: refused')
  t.match(differ.stderr, /differ: nothing was changed/)
  t.equal(await readFile(keyFile, 'utf8'), plainKey, 'the key file is unchanged')
  const sealedByCli = await runCli(['--repo', repo, 'wallet', 'passphrase'], { input: Buffer.from('s3cret\ns3cret\n') })
  t.equal(sealedByCli.code, 0, sealedByCli.stderr)
  t.same(JSON.parse(sealedByCli.stdout), { address, encrypted: true }, 'btfs-ts wallet passphrase seals the key')
  t.notMatch(sealedByCli.stdout + sealedByCli.stderr, /[0-9a-f]{64}/, 'and prints no key')
  await t.rejects(Wallet.open(join(repo, 'keystore', 'wallet.key'), undefined), { code: 'WALLET_LOCKED' })
  const daemon = await runCli(['--repo', repo, 'daemon', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], { env: { ...process.env, BTFS_TS_WALLET_PASSPHRASE: '' } })
  t.not(daemon.code, 0, 'a daemon cannot start with a sealed key and no passphrase')
  t.match(daemon.stderr, /encrypted: set BTFS_TS_WALLET_PASSPHRASE/, 'and says what to do')

  // A wallet key restored into a folder before `init` is kept, never replaced.
  const restored = join(dir, 'restored')
  await createWalletKey(join(restored, 'keystore', 'wallet.key'), '')
  const kept = (await Wallet.open(join(restored, 'keystore', 'wallet.key'), undefined)).address
  await Repo.init(restored)
  t.equal((await Wallet.open(join(restored, 'keystore', 'wallet.key'), undefined)).address, kept, 'init keeps an existing wallet key')
})

/** A key file sealed the way btfs-ts did before (scrypt with the given parameters, AES-256-GCM). */
function sealedFile (key: Buffer, passphrase: string, kdf: { N: number, r: number, p: number, salt?: string }): string {
  const salt = Buffer.from(kdf.salt ?? randomBytes(32).toString('hex'), 'hex')
  const nonce = randomBytes(12)
  const derived = scryptSync(passphrase, salt, 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r })
  const cipher = createCipheriv('aes-256-gcm', derived, nonce)
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final()])
  return JSON.stringify({
    btfsWalletKey: 1,
    address: tronAddress(key),
    kdf: { name: 'scrypt', N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt ?? salt.toString('hex') },
    cipher: { name: 'aes-256-gcm', nonce: nonce.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
    ciphertext: ciphertext.toString('hex')
  })
}

t.test('key files sealed with older parameters still open; crafted parameters are refused before any work', async t => {
  const dir = t.testdir()
  const key = randomBytes(32)
  const old = join(dir, 'old.key')
  await writeFile(old, sealedFile(key, 'pw', { N: 2 ** 15, r: 8, p: 1 }), { mode: 0o600 })
  t.equal((await Wallet.open(old, 'pw')).address, tronAddress(key), 'a file sealed with N = 2^15 opens')
  const resealed = await rekeyWalletFile(old, 'new', 'pw')
  t.same(resealed, { address: tronAddress(key), encrypted: true })
  t.equal(JSON.parse(await readFile(old, 'utf8')).kdf.N, 2 ** 17, 'and is sealed with N = 2^17 when the passphrase changes')

  const honest = JSON.parse(sealedFile(key, 'pw', { N: 2 ** 10, r: 8, p: 1 })) as { kdf: Record<string, unknown> }
  const crafted: Array<[string, Record<string, unknown>]> = [
    ['N = 2^30 (128 GiB)', { N: 2 ** 30 }],
    ['N = 2^20 with r = 8 (1 GiB)', { N: 2 ** 20 }],
    ['N not a power of two', { N: 3000 }],
    ['r = 1000', { r: 1000 }],
    ['p = 10^6', { p: 1e6 }],
    ['N as a string', { N: '1024' }],
    ['a short salt', { salt: 'ab' }]
  ]
  for (const [what, change] of crafted) {
    const path = join(dir, 'crafted.key')
    await writeFile(path, JSON.stringify({ ...honest, kdf: { ...honest.kdf, ...change } }))
    await t.rejects(Wallet.open(path, 'pw'), { code: 'REPO_INVALID' }, what)
  }
  const broken = join(dir, 'broken.key')
  await writeFile(broken, JSON.stringify({ ...honest, ciphertext: 'zz' }))
  await t.rejects(Wallet.open(broken, 'pw'), { code: 'REPO_INVALID' }, 'a damaged ciphertext')
})
