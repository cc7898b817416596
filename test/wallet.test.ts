import t from 'tap'
import { randomBytes } from 'node:crypto'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { TronWeb } from 'tronweb'
import { Wallet, createWalletKey, tronAddress, verifyTyped } from '../src/wallet/wallet.js'
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
    price: '1000', amount: '1', challengeInterval: 3600, challengeLeaves: 8
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
