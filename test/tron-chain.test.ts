import t, { type Test } from 'tap'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Trx, utils } from 'tronweb'
import { isAppError } from '../src/errors/index.js'
import type { ChainClient } from '../src/settlement/chain.js'
import { TronChainClient, type TronChainInit } from '../src/settlement/tron.js'
import { compileSolidity } from '../src/settlement/vault/compile.js'
import { vaultArtifact } from '../src/settlement/vault/artifact.js'
import { Wallet } from '../src/wallet/wallet.js'
import { compileTestBtt } from './helpers/contracts.js'
import { startTronDouble } from './helpers/tron-double.js'

t.setTimeout(120_000)

const BTT = 10n ** 18n
const TRX = 1_000_000n
const CHAIN_ID = 728126428 // TRON mainnet's TIP-712 chain id (0x2b6653dc)
const LOCK = 3600
const coder = utils.ethersUtils.AbiCoder.defaultAbiCoder()
const erc20 = new utils.ethersUtils.Interface(['function mint(address,uint256)', 'function balanceOf(address) view returns (uint256)'])

const testBTT = compileTestBtt()
/** TestBTT with 6 decimals, for the decimals check. */
const sixDecimals = compileSolidity('TestBTT.sol', (await readFile(new URL('./fixtures/TestBTT.sol', import.meta.url), 'utf8')).replace('decimals = 18', 'decimals = 6'), 'TestBTT')

const double = await startTronDouble({ solidityLag: 1 })
t.teardown(async () => await double.stop())

/** A real Wallet opened from a plain key file, plus its key for TIP-712 signing in the test. */
async function wallet (name: string): Promise<{ wallet: Wallet, key: string }> {
  const account = utils.accounts.generateAccount()
  const path = join(t.testdir({ [name]: {} }), name, 'wallet.key')
  await writeFile(path, account.privateKey + '\n', { mode: 0o600 })
  return { wallet: await Wallet.open(path, ''), key: account.privateKey }
}

const renter = await wallet('renter')
const host = await wallet('host')
const broke = await wallet('broke')
double.setTrx(renter.wallet.address, 2000n * TRX)
double.setTrx(host.wallet.address, 2000n * TRX)
double.setTrx(broke.wallet.address, 5n * TRX)

async function deployVault (token: string, issuer: string, chainId = CHAIN_ID): Promise<string> {
  const args = coder.encode(['address', 'address', 'uint256', 'uint64'], [double.evmAddress(token), double.evmAddress(issuer), chainId, LOCK])
  return await double.deploy(issuer, vaultArtifact.bytecode + args.slice(2), { name: 'Vault', abi: vaultArtifact.abi as unknown as unknown[] })
}

async function evmBalance (token: string, of: string): Promise<bigint> {
  const result = await double.evm.staticCall(double.evmAddress(host.wallet.address), double.evmAddress(token), erc20.encodeFunctionData('balanceOf', [double.evmAddress(of)]))
  return BigInt(result.returnData)
}

const token = await double.deploy(renter.wallet.address, testBTT.bytecode, { name: 'TestBTT' })
await double.evm.call(double.evmAddress(renter.wallet.address), double.evmAddress(token), erc20.encodeFunctionData('mint', [double.evmAddress(renter.wallet.address), 100n * BTT]))
const vault = await deployVault(token, renter.wallet.address)

// The double's clock: advanceTime moves the chain (and so the expirations it builds) ahead of Date.now().
const base = { fullHost: double.url, token, chainId: CHAIN_ID, pollMs: 10, now: () => double.now() }
const renterChain = new TronChainClient({ ...base, vault, wallet: renter.wallet })
const hostChain = new TronChainClient({ ...base, wallet: host.wallet })

function cheque (cumulativePayout: bigint, signer = renter.key): { vault: string, beneficiary: string, cumulativePayout: string, signature: string } {
  const value = { vault, beneficiary: host.wallet.address, cumulativePayout: cumulativePayout.toString() }
  const signature = Trx.signTypedData({ name: 'btfs-ts', version: '1', chainId: CHAIN_ID, verifyingContract: vault },
    { Cheque: [{ name: 'vault', type: 'address' }, { name: 'beneficiary', type: 'address' }, { name: 'cumulativePayout', type: 'uint256' }] }, value, signer)
  return { ...value, signature }
}

/** pending until the block is solid (solidityLag 1), then the final state. */
async function settle (t: Test, chain: TronChainClient, txid: string, kind: 'cash' | 'deposit' | 'withdraw' | 'deploy'): Promise<Awaited<ReturnType<TronChainClient['status']>>> {
  t.equal((await chain.status(txid, kind)).state, 'pending', 'pending until the block is solid')
  await double.mine()
  return await chain.status(txid, kind)
}

async function rejects (t: Test, init: Partial<TronChainInit>, code: string, message: RegExp): Promise<void> {
  const chain = new TronChainClient({ ...base, wallet: renter.wallet, ...init })
  try {
    await chain.check()
    t.fail(`check() passed, expected ${code}`)
  } catch (err) {
    t.ok(isAppError(err), 'an AppError')
    t.equal((err as { code?: string }).code, code)
    t.match((err as Error).message, message)
  }
}

t.test('startup checks pass for the renter (vault) and the host (token only)', async t => {
  await renterChain.check()
  await hostChain.check()
  t.pass('both passed')
})

t.test('startup checks fail clearly', async t => {
  await rejects(t, { vault: host.wallet.address }, 'CONFIG_INVALID', /is not a contract/)
  await rejects(t, { vault: token }, 'CONFIG_INVALID', /not a btfs-ts vault/)
  await rejects(t, { vault: await deployVault(token, renter.wallet.address, 1) }, 'CONFIG_INVALID', /another domain/)
  const otherToken = await double.deploy(renter.wallet.address, testBTT.bytecode)
  await rejects(t, { vault: await deployVault(otherToken, renter.wallet.address) }, 'CONFIG_INVALID', /holds token/)
  await rejects(t, { vault: await deployVault(token, host.wallet.address) }, 'CONFIG_INVALID', /belongs to/)
  await rejects(t, { token: await double.deploy(renter.wallet.address, sixDecimals.bytecode) }, 'CONFIG_INVALID', /has 6 decimals; BTT has 18/)
  await rejects(t, { token: host.wallet.address }, 'CONFIG_INVALID', /not a TRC-20/)
  await rejects(t, { wallet: broke.wallet }, 'INSUFFICIENT_TRX', /holds 5000000 sun of TRX, less than the fee limit 100000000 sun/)
  await rejects(t, { wallet: (await wallet('nobody')).wallet }, 'INSUFFICIENT_TRX', /holds 0 sun/)
  await rejects(t, { fullHost: 'http://127.0.0.1:1' }, 'CHAIN_UNAVAILABLE', /127\.0\.0\.1:1/)
  await rejects(t, { fullHost: 'http://user:s3cret@127.0.0.1:1' }, 'CHAIN_UNAVAILABLE', /^(?![^]*s3cret)[^]*http:\/\/127\.0\.0\.1:1/) // no password in the message
})

t.test('deposit approves the vault and moves test-BTT into it', async t => {
  const status = await renterChain.deposit(60n * BTT)
  t.equal(status.state, 'pending', status.reason ?? 'broadcast')
  const done = await settle(t, renterChain, status.txid, 'deposit')
  t.equal(done.state, 'settled')
  t.ok(BigInt(done.fee ?? '0') > 0n, 'the fee is reported')
  t.equal(await evmBalance(token, vault), 60n * BTT, 'the vault holds it on the EVM')
  t.equal(await evmBalance(token, renter.wallet.address), 40n * BTT)
  const balances = await renterChain.balances(renter.wallet.address)
  t.equal(balances.btt, (40n * BTT).toString())
  t.equal(balances.trx, double.trx(renter.wallet.address).toString())
  t.same(balances.vault, { address: vault, issuer: renter.wallet.address, balance: (60n * BTT).toString() })
})

t.test('the host cashes a renter-signed cheque: pending, then settled with the BTT moved', async t => {
  const first = await hostChain.cash(cheque(10n * BTT))
  t.equal(first.state, 'pending')
  const done = await settle(t, hostChain, first.txid, 'cash')
  t.same({ state: done.state, paid: done.paid, bounced: done.bounced }, { state: 'settled', paid: (10n * BTT).toString(), bounced: undefined })
  t.equal(await evmBalance(token, host.wallet.address), 10n * BTT, 'the host holds it on the EVM')
  t.equal(await hostChain.paidOut(vault, host.wallet.address), 10n * BTT)

  const again = await hostChain.cash(cheque(10n * BTT))
  const refused = await settle(t, hostChain, again.txid, 'cash')
  t.equal(refused.state, 'failed', 'the same cheque again fails')
  t.equal(refused.reason, 'nothing to cash', 'with the revert reason decoded')
  t.ok(BigInt(refused.fee ?? '0') > 0n, 'and still cost TRX')

  const forged = await hostChain.cash(cheque(20n * BTT, host.key))
  t.equal((await settle(t, hostChain, forged.txid, 'cash')).reason, 'cheque not signed by the issuer')
})

t.test('an underfunded vault pays what it has: settled with the rest bounced', async t => {
  const status = await hostChain.cash(cheque(100n * BTT))
  const done = await settle(t, hostChain, status.txid, 'cash')
  t.same({ state: done.state, paid: done.paid, bounced: done.bounced }, { state: 'settled', paid: (50n * BTT).toString(), bounced: (40n * BTT).toString() })
  t.equal(await evmBalance(token, host.wallet.address), 60n * BTT)
  t.equal(await evmBalance(token, vault), 0n)
})

t.test('a withdrawal is refused before the time lock and goes through after it', async t => {
  const deposit = await renterChain.deposit(30n * BTT)
  t.equal((await settle(t, renterChain, deposit.txid, 'deposit')).state, 'settled')

  const request = await renterChain.requestWithdrawal(20n * BTT)
  t.equal((await settle(t, renterChain, request.txid, 'withdraw')).state, 'settled')
  const { vault: state } = await renterChain.balances(renter.wallet.address)
  t.equal(state?.withdrawal?.amount, (20n * BTT).toString())
  t.equal(state?.withdrawal?.after, double.info(request.txid)!.blockTimeStamp / 1000 + LOCK, 'after = the block time + the lock (TVM block.timestamp is the block\'s)')

  const early = await renterChain.withdraw()
  const refused = await settle(t, renterChain, early.txid, 'withdraw')
  t.equal(refused.state, 'failed')
  t.equal(refused.reason, 'withdrawal is still locked')

  await double.advanceTime(LOCK + 1)
  const late = await renterChain.withdraw()
  t.equal((await settle(t, renterChain, late.txid, 'withdraw')).state, 'settled')
  t.equal(await evmBalance(token, renter.wallet.address), 30n * BTT, '40 - 30 deposited + 20 withdrawn')
  t.equal(await evmBalance(token, vault), 10n * BTT)
  t.notOk((await renterChain.balances(renter.wallet.address)).vault?.withdrawal, 'no withdrawal pending any more')
})

t.test('a fee limit too small: failed with OUT_OF_ENERGY', async t => {
  const stingy = new TronChainClient({ ...base, vault, wallet: renter.wallet, feeLimit: 1000 })
  const status = await stingy.requestWithdrawal(1n)
  const done = await settle(t, stingy, status.txid, 'withdraw')
  t.equal(done.state, 'failed')
  t.match(done.reason, /^OUT_OF_ENERGY/)
  const info = double.info(status.txid)!
  t.equal(info.receipt.energy_fee, 1000n, 'the whole fee limit is burnt for energy')
  t.equal(done.fee, String(info.fee), 'fee = energy + bandwidth burnt')
})

t.test('a contract that emits ChequeCashed without moving BTT is not a payment', async t => {
  const fake = compileSolidity('FakeVault.sol', `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract FakeVault {
    event ChequeCashed(address indexed beneficiary, address indexed caller, uint256 cumulativePayout, uint256 paid);
    function cashCheque(address beneficiary, uint256 cumulativePayout, bytes calldata) external returns (uint256) {
        emit ChequeCashed(beneficiary, msg.sender, cumulativePayout, cumulativePayout);
        return cumulativePayout;
    }
}`, 'FakeVault')
  const fakeVault = await double.deploy(renter.wallet.address, fake.bytecode)
  const status = await hostChain.cash({ ...cheque(5n * BTT), vault: fakeVault })
  const done = await settle(t, hostChain, status.txid, 'cash')
  t.equal(done.state, 'failed')
  t.match(done.reason, /ChequeCashed claims 5000000000000000000 paid without the token's Transfer/)
})

t.test('a vault that pays someone else and says it paid is not a payment to this host', async t => {
  // A renter's "vault" is any contract answering issuer(): this one moves real test-BTT, to the
  // renter, with a ChequeCashed naming the renter and the token's matching Transfer.
  const diverting = compileSolidity('DivertingVault.sol', `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
interface IToken { function transfer(address to, uint256 value) external returns (bool); }
contract DivertingVault {
    event ChequeCashed(address indexed beneficiary, address indexed caller, uint256 cumulativePayout, uint256 paid);
    address public immutable token;
    address public immutable issuer;
    constructor(address token_, address issuer_) { token = token_; issuer = issuer_; }
    function cashCheque(address, uint256 cumulativePayout, bytes calldata) external returns (uint256) {
        IToken(token).transfer(issuer, cumulativePayout);
        emit ChequeCashed(issuer, msg.sender, cumulativePayout, cumulativePayout);
        return cumulativePayout;
    }
}`, 'DivertingVault')
  const args = coder.encode(['address', 'address'], [double.evmAddress(token), double.evmAddress(renter.wallet.address)]).slice(2)
  const divert = await double.deploy(renter.wallet.address, diverting.bytecode + args)
  await double.evm.call(double.evmAddress(renter.wallet.address), double.evmAddress(token), erc20.encodeFunctionData('mint', [double.evmAddress(divert), 3n * BTT]))
  const before = await evmBalance(token, renter.wallet.address)
  const status = await hostChain.cash({ ...cheque(3n * BTT), vault: divert })
  const done = await settle(t, hostChain, status.txid, 'cash')
  t.equal(await evmBalance(token, renter.wallet.address), before + 3n * BTT, 'the BTT really moved, to the renter')
  t.equal(done.state, 'failed')
  t.equal(done.reason, `ChequeCashed pays ${renter.wallet.address}, not this wallet ${host.wallet.address}`)
  t.notOk(done.paid, 'nothing is reported paid')
})

t.test('a broadcast the node rejects is failed at once, with its code', async t => {
  const poor = await wallet('poor')
  const chain = new TronChainClient({ ...base, vault, wallet: poor.wallet })
  const status = await chain.cash(cheque(1n))
  t.equal(status.state, 'failed')
  t.equal(status.reason, `CONTRACT_VALIDATE_ERROR: Contract validate error : account [${poor.wallet.address}] does not exist`)
})

t.test('deployVault: pending with the vault address, then settled; the vault passes check() and takes a deposit', async t => {
  const deployer = await wallet('deployer')
  double.setTrx(deployer.wallet.address, 2000n * TRX)
  await double.evm.call(double.evmAddress(renter.wallet.address), double.evmAddress(token), erc20.encodeFunctionData('mint', [double.evmAddress(deployer.wallet.address), 10n * BTT]))
  const chain = new TronChainClient({ ...base, wallet: deployer.wallet })
  const before = double.trx(deployer.wallet.address)
  const calls = double.calls.length

  const status = await chain.deployVault(LOCK)
  t.equal(status.state, 'pending', status.reason ?? 'broadcast')
  t.ok(utils.address.isAddress(status.vault ?? ''), 'the vault address is known at once')
  t.notOk(double.calls.slice(calls).includes('POST /wallet/deploycontract'), 'tronweb 6.5.1 builds the creation itself')
  t.ok(double.calls.slice(calls).includes('POST /wallet/getblock'), 'on the node\'s reference block')
  const done = await settle(t, chain, status.txid, 'deploy')
  t.equal(done.state, 'settled', done.reason ?? 'settled')
  t.equal((done as { vault?: string }).vault, status.vault, 'status names the same vault')
  const info = double.info(status.txid)!
  t.equal(info.receipt.result, 'SUCCESS')
  t.equal(utils.address.fromHex(info.contract_address), status.vault, 'the info names the created contract')
  t.ok(BigInt(done.fee ?? '0') > 0n, 'the creation burnt TRX')
  t.equal(double.trx(deployer.wallet.address), before - BigInt(info.fee ?? 0n))

  const owned = new TronChainClient({ ...base, vault: status.vault, wallet: deployer.wallet })
  await owned.check()
  t.pass('check() accepts it: domain separator, token and issuer are ours')
  t.equal(await owned.vaultIssuer(status.vault!), deployer.wallet.address)
  const deposit = await owned.deposit(4n * BTT)
  t.equal((await settle(t, owned, deposit.txid, 'deposit')).state, 'settled')
  t.equal(await evmBalance(token, status.vault!), 4n * BTT, 'the new vault holds the deposit')

  const again = await chain.deployVault(LOCK)
  t.not(again.vault, status.vault, 'a second deployment gets its own address (txID-derived)')
  t.equal((await settle(t, chain, again.txid, 'deploy')).state, 'settled')

  await t.rejects(chain.deployVault(-1), { code: 'CONFIG_INVALID' })
  const poor = new TronChainClient({ ...base, wallet: (await wallet('nobody2')).wallet })
  const refused = await poor.deployVault(LOCK)
  t.equal(refused.state, 'failed', 'an account that does not exist cannot deploy')
  t.match(refused.reason, /^CONTRACT_VALIDATE_ERROR: .*does not exist/)

  const stingy = new TronChainClient({ ...base, wallet: deployer.wallet, feeLimit: 1000 })
  const starved = await stingy.deployVault(LOCK)
  const failed = await settle(t, stingy, starved.txid, 'deploy')
  t.equal(failed.state, 'failed')
  t.match(failed.reason, /^OUT_OF_ENERGY/)
  t.equal(await double.evm.code(double.evmAddress(starved.vault!)), '0x', 'no contract was left behind')
})

t.test('a deployment signed by another key is refused (SIGERROR)', async t => {
  const thief: TronChainInit['wallet'] = {
    address: renter.wallet.address,
    signTransaction: async tx => await host.wallet.signTransaction(tx)
  }
  const chain = new TronChainClient({ ...base, wallet: thief })
  const status = await chain.deployVault(LOCK)
  t.equal(status.state, 'failed')
  t.match(status.reason, new RegExp(`^SIGERROR: Validate signature error: [0-9a-fA-F]{130} is signed by ${host.wallet.address} but it is not contained of permission\\.$`))
  t.equal(double.info(status.txid), undefined, 'nothing was mined')
  t.equal(await double.evm.code(double.evmAddress(status.vault!)), '0x')
})

t.test('the none client cannot deploy a vault', async t => {
  const { NoChainClient } = await import('../src/settlement/none.js')
  const none: ChainClient = new NoChainClient()
  await t.rejects(none.deployVault(LOCK), { code: 'NO_CHAIN' })
})
