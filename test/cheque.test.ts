import t from 'tap'
import { join } from 'node:path'
import { Trx, utils } from 'tronweb'
import { GiB } from '../src/contracts/terms.js'
import { chequeTypedData, earned, isAmount, periodAmount } from '../src/settlement/cheque.js'
import { typedVerifier } from '../src/wallet/typed-verify.js'
import { createWalletKey, Wallet } from '../src/wallet/wallet.js'

const chainId = 728126428

t.test('cheques: signed by the renter wallet with tronweb, verified offline; wrong signer or domain fails', async t => {
  const dir = t.testdir()
  await createWalletKey(join(dir, 'renter.key'), '')
  await createWalletKey(join(dir, 'other.key'), '')
  const renter = await Wallet.open(join(dir, 'renter.key'), '')
  const other = await Wallet.open(join(dir, 'other.key'), '')
  const vault = utils.accounts.generateAccount().address.base58
  const host = utils.accounts.generateAccount().address.base58
  const value = { vault, beneficiary: host, cumulativePayout: (123n * 10n ** 18n + 7n).toString() }
  const data = chequeTypedData(value, chainId)
  t.same(data.domain, { name: 'btfs-ts', version: '1', chainId, verifyingContract: vault }, 'the domain names btfs-ts, a version, the chain id and the vault')
  const signature = await renter.signTyped(data)
  const tron = (d: typeof data, who: string): boolean => { try { return Trx.verifyTypedData(d.domain, d.types, d.value, signature, who) } catch { return false } }
  const checks: Array<[string, typeof data, string, boolean]> = [
    ['the renter', data, renter.address, true],
    ['another signer', data, other.address, false],
    ['another chain id', chequeTypedData(value, chainId + 1), renter.address, false],
    ['another vault', chequeTypedData({ ...value, vault: host }, chainId), renter.address, false],
    ['another beneficiary', chequeTypedData({ ...value, beneficiary: vault }, chainId), renter.address, false],
    ['a higher total', chequeTypedData({ ...value, cumulativePayout: value.cumulativePayout + '0' }, chainId), renter.address, false]
  ]
  for (const [what, d, who, valid] of checks) {
    t.equal(tron(d, who), valid, `${what}: tronweb says ${String(valid)}`)
    t.equal(typedVerifier('js').verify(d, signature, who), valid, `${what}: the js check agrees`)
    t.equal(typedVerifier().verify(d, signature, who), valid, `${what}: the default check agrees`)
  }
})

t.test('periods add up to exactly price × size × proven time, however the time is cut', async t => {
  const terms = { price: '125000000000000000000', shardSize: 3 * 1024 * 1024 + 7 }
  const whole = BigInt(terms.price) * BigInt(terms.shardSize) * 86_400_000n / (GiB * 30n * 86_400_000n)
  t.equal(earned(terms, 86_400_000), whole, 'a day at 125 BTT per GiB-month')
  let x = 7
  const next = (): number => { x = (x * 1103515245 + 12345) % 2 ** 31; return x }
  for (let run = 0; run < 20; run++) {
    let proven = 0
    let paid = 0n
    while (proven < 86_400_000) {
      const ms = Math.min(1 + next() % 5_000_000, 86_400_000 - proven)
      paid += periodAmount(terms, proven, ms)
      proven += ms
    }
    if (paid !== whole) t.fail(`run ${run}: ${paid} ≠ ${whole}`)
  }
  t.pass('20 random cuttings of a day each pay exactly the whole day')
  t.equal(periodAmount(terms, 1000, 0), 0n, 'an empty period earns nothing')
  t.equal(periodAmount(terms, 1000, -5), 0n, 'a negative one too')
  t.ok(isAmount('0') && isAmount('10') && !isAmount('01') && !isAmount('-1') && !isAmount(1) && !isAmount('1'.repeat(79)), 'amounts are decimal strings of base units')
})
