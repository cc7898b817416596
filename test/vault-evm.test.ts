/**
 * The vault's real bytecode (src/settlement/vault/artifact.ts) on an in-process EVM at the
 * `paris` rules, with cheques signed by tronweb's TIP-712 exactly as a renter signs them.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { TronWeb, Trx, utils } from 'tronweb'
import { vaultArtifact } from '../src/settlement/vault/artifact.js'
import { compileVault, vaultSourcePath } from '../src/settlement/vault/compile.js'
import { compileTestBtt } from './helpers/contracts.js'
import { createTestEvm, type EvmResult } from './helpers/evm.js'

const { Interface, AbiCoder, Signature } = utils.ethersUtils

const BTT = 10n ** 18n
/** TRON mainnet's TIP-712 chain id. */
const chainId = 728126428
const day = 24 * 60 * 60
const vaultAbi = new Interface(vaultArtifact.abi)
const tokenAbi = new Interface(JSON.stringify(compileTestBtt().abi))
const chequeTypes = {
  Cheque: [
    { name: 'vault', type: 'address' },
    { name: 'beneficiary', type: 'address' },
    { name: 'cumulativePayout', type: 'uint256' }
  ]
}

interface Key { privateKey: string, base58: string, evm: string }

/** A fresh key; its TRON address (T…) and the same 20 bytes in EVM form (0x…). */
function newKey (): Key {
  const { privateKey } = utils.accounts.generateAccount()
  const base58 = TronWeb.address.fromPrivateKey(privateKey)
  if (base58 === false) throw new Error('fromPrivateKey failed')
  return { privateKey, base58, evm: evmAddress(base58) }
}

const evmAddress = (base58: string): string => `0x${TronWeb.address.toHex(base58).slice(2).toLowerCase()}`
const tronAddress = (evm: string): string => TronWeb.address.fromHex(`41${evm.slice(2)}`)

/** A renter's cheque, signed with tronweb's TIP-712 over TRON base58 addresses. */
function signCheque (signer: Key, vault: string, beneficiary: string, cumulativePayout: bigint, domainChainId = chainId): string {
  const domain = { name: 'btfs-ts', version: '1', chainId: domainChainId, verifyingContract: tronAddress(vault) }
  const value = { vault: tronAddress(vault), beneficiary: tronAddress(beneficiary), cumulativePayout: cumulativePayout.toString() }
  return Trx.signTypedData(domain, chequeTypes, value, signer.privateKey)
}

/** An EVM with Test BTT and one vault (issuer: renter), plus the calls the tests make. */
async function world (t: Test, withdrawLock = day) {
  const evm = await createTestEvm()
  t.teardown(async () => { await evm.stop() })
  const [minter, renter, host, host2, stranger] = [newKey(), newKey(), newKey(), newKey(), newKey()]

  const deployed = async (from: Key, initCode: string): Promise<string> => {
    const result = await evm.deploy(from.evm, initCode)
    if (!result.success || result.createdAddress === undefined) throw new Error(`deploy failed: ${result.revertReason}`)
    return result.createdAddress
  }
  const token = await deployed(minter, compileTestBtt().bytecode)
  const deployVault = async (issuer: Key, lock = withdrawLock, vaultChainId = chainId): Promise<string> => {
    const args = AbiCoder.defaultAbiCoder().encode(['address', 'address', 'uint256', 'uint64'], [token, issuer.evm, vaultChainId, lock])
    return await deployed(issuer, vaultArtifact.bytecode + args.slice(2))
  }
  const vault = await deployVault(renter)

  const send = async (from: Key, to: string, abi: typeof vaultAbi, fn: string, args: unknown[]): Promise<EvmResult> =>
    await evm.call(from.evm, to, abi.encodeFunctionData(fn, args))
  const read = async (to: string, abi: typeof vaultAbi, fn: string, args: unknown[] = []): Promise<unknown[]> => {
    const result = await evm.staticCall(stranger.evm, to, abi.encodeFunctionData(fn, args))
    if (!result.success) throw new Error(`${fn} failed: ${result.revertReason}`)
    return [...abi.decodeFunctionResult(fn, result.returnData)]
  }
  const vaultAt = (address: string) => ({
    send: async (from: Key, fn: string, ...args: unknown[]) => await send(from, address, vaultAbi, fn, args),
    read: async (fn: string, ...args: unknown[]) => await read(address, vaultAbi, fn, args),
    one: async (fn: string, ...args: unknown[]) => (await read(address, vaultAbi, fn, args))[0],
    cash: async (caller: Key, beneficiary: Key, cumulative: bigint, signature: string) =>
      await send(caller, address, vaultAbi, 'cashCheque', [beneficiary.evm, cumulative, signature])
  })
  const v = vaultAt(vault)

  return {
    evm,
    token,
    vault,
    renter,
    host,
    host2,
    stranger,
    v,
    vaultAt,
    deployVault,
    balanceOf: async (who: Key | string) => (await read(token, tokenAbi, 'balanceOf', [typeof who === 'string' ? who : who.evm]))[0] as bigint,
    mint: async (to: Key, amount: bigint) => await send(minter, token, tokenAbi, 'mint', [to.evm, amount]),
    approve: async (owner: Key, spender: string, amount: bigint) => await send(owner, token, tokenAbi, 'approve', [spender, amount]),
    /** Mints `amount` to `from` and deposits it into `into` (default: the vault). */
    fund: async (from: Key, amount: bigint, into = vault) => {
      await send(minter, token, tokenAbi, 'mint', [from.evm, amount])
      await send(from, token, tokenAbi, 'approve', [into, amount])
      return await send(from, into, vaultAbi, 'deposit', [amount])
    }
  }
}

/** The vault's events in a result, as { name, args } (addresses in lowercase). */
function events (result: EvmResult, vault: string): Array<{ name: string, args: unknown[] }> {
  return result.logs
    .filter(log => log.address === vault)
    .map(log => vaultAbi.parseLog({ topics: log.topics, data: log.data }))
    .filter(parsed => parsed !== null)
    .map(parsed => ({ name: parsed.name, args: [...parsed.args].map(a => typeof a === 'string' ? a.toLowerCase() : a) }))
}

const paid = (result: EvmResult): bigint => vaultAbi.decodeFunctionResult('cashCheque', result.returnData)[0] as bigint

t.test('deposit: anyone moves approved BTT into the vault', async t => {
  const w = await world(t)
  const deposited = await w.fund(w.stranger, 100n * BTT)
  t.ok(deposited.success, 'deposit succeeds')
  t.same(events(deposited, w.vault), [{ name: 'Deposited', args: [w.stranger.evm, 100n * BTT] }])
  t.equal(await w.v.one('balance'), 100n * BTT)
  t.equal(await w.balanceOf(w.vault), 100n * BTT)
  t.equal(await w.balanceOf(w.stranger), 0n)

  const unapproved = await w.v.send(w.renter, 'deposit', 5n * BTT)
  t.notOk(unapproved.success, 'a deposit without allowance fails')
  t.equal(unapproved.revertReason, 'insufficient allowance', "the token's reason is passed on")
  t.equal((await w.v.send(w.renter, 'deposit', 0n)).revertReason, 'amount is zero')
  t.equal(await w.v.one('balance'), 100n * BTT, 'failed deposits change nothing')
})

t.test('a tronweb-signed cheque cashes; the next one pays only the difference', async t => {
  const w = await world(t)
  await w.fund(w.renter, 100n * BTT)

  const first = signCheque(w.renter, w.vault, w.host.evm, 10n * BTT)
  t.ok(Trx.verifyTypedData(
    { name: 'btfs-ts', version: '1', chainId, verifyingContract: tronAddress(w.vault) }, chequeTypes,
    { vault: tronAddress(w.vault), beneficiary: w.host.base58, cumulativePayout: (10n * BTT).toString() }, first, w.renter.base58
  ), 'tronweb itself accepts the signature')

  const dryRun = await w.evm.staticCall(w.host.evm, w.vault, vaultAbi.encodeFunctionData('cashCheque', [w.host.evm, 10n * BTT, first]))
  t.ok(dryRun.success, 'a constant call predicts the cash-out')
  t.equal(paid(dryRun), 10n * BTT)
  t.equal(await w.balanceOf(w.host), 0n, 'the constant call moved nothing')

  const cashed = await w.v.cash(w.host, w.host, 10n * BTT, first)
  t.ok(cashed.success, 'the contract recovers the issuer from the tronweb signature')
  t.equal(paid(cashed), 10n * BTT)
  t.same(events(cashed, w.vault), [{ name: 'ChequeCashed', args: [w.host.evm, w.host.evm, 10n * BTT, 10n * BTT] }])
  t.equal(await w.balanceOf(w.host), 10n * BTT)
  t.equal(await w.v.one('paidOut', w.host.evm), 10n * BTT)
  t.equal(await w.v.one('totalPaidOut'), 10n * BTT)
  t.equal(await w.v.one('balance'), 90n * BTT)

  const second = signCheque(w.renter, w.vault, w.host.evm, 25n * BTT)
  const cumulative = await w.v.cash(w.stranger, w.host, 25n * BTT, second)
  t.ok(cumulative.success, 'anyone may cash a cheque')
  t.equal(paid(cumulative), 15n * BTT, 'only the difference is paid')
  t.same(events(cumulative, w.vault), [{ name: 'ChequeCashed', args: [w.host.evm, w.stranger.evm, 25n * BTT, 15n * BTT] }])
  t.equal(await w.balanceOf(w.host), 25n * BTT, 'the money goes to the beneficiary, not the caller')
  t.equal(await w.balanceOf(w.stranger), 0n)
  t.equal(await w.v.one('paidOut', w.host.evm), 25n * BTT)
  t.equal(await w.v.one('totalPaidOut'), 25n * BTT)

  const replay = await w.v.cash(w.host, w.host, 25n * BTT, second)
  t.notOk(replay.success, 'the same cheque cannot be cashed twice')
  t.equal(replay.revertReason, 'nothing to cash')
  const lower = await w.v.cash(w.host, w.host, 10n * BTT, first)
  t.equal(lower.revertReason, 'nothing to cash', 'an older, lower cheque pays nothing')
  t.equal(await w.balanceOf(w.host), 25n * BTT)
  t.equal(await w.v.one('totalPaidOut'), 25n * BTT)
})

t.test('cheques the vault must refuse', async t => {
  const w = await world(t)
  await w.fund(w.renter, 100n * BTT)
  const amount = 10n * BTT
  const notIssuer = 'cheque not signed by the issuer'

  const forged = signCheque(w.stranger, w.vault, w.host.evm, amount)
  t.equal((await w.v.cash(w.host, w.host, amount, forged)).revertReason, notIssuer, 'signed by another key')

  const otherVault = await w.deployVault(w.renter)
  const forOtherVault = signCheque(w.renter, otherVault, w.host.evm, amount)
  t.equal((await w.v.cash(w.host, w.host, amount, forOtherVault)).revertReason, notIssuer, 'signed for another vault of the same issuer')

  const forOtherChain = signCheque(w.renter, w.vault, w.host.evm, amount, 3448148188) // Nile testnet
  t.equal((await w.v.cash(w.host, w.host, amount, forOtherChain)).revertReason, notIssuer, 'signed for another chain id')

  const forHost2 = signCheque(w.renter, w.vault, w.host2.evm, amount)
  t.equal((await w.v.cash(w.host, w.host, amount, forHost2)).revertReason, notIssuer, "another beneficiary's cheque")
  t.equal((await w.v.cash(w.host, w.host, amount + 1n, signCheque(w.renter, w.vault, w.host.evm, amount))).revertReason, notIssuer, 'a raised amount')

  const good = signCheque(w.renter, w.vault, w.host.evm, amount)
  const sig = Signature.from(good)
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const highS = `0x${sig.r.slice(2)}${(n - BigInt(sig.s)).toString(16).padStart(64, '0')}${(sig.v === 27 ? 28 : 27).toString(16)}`
  t.equal((await w.v.cash(w.host, w.host, amount, highS)).revertReason, 'signature s is malleable (high)', 'the malleable twin of a valid signature')
  t.equal((await w.v.cash(w.host, w.host, amount, `${good.slice(0, 130)}${(sig.v - 27).toString(16).padStart(2, '0')}`)).revertReason, 'signature v is not 27 or 28', 'v of 0/1')
  t.equal((await w.v.cash(w.host, w.host, amount, good.slice(0, 130))).revertReason, 'signature is not 65 bytes')
  t.equal((await w.v.cash(w.host, w.host, amount, `0x${'00'.repeat(64)}1b`)).revertReason, 'invalid signature', 'a signature that recovers no one')

  t.equal(await w.balanceOf(w.host), 0n, 'nothing was paid')
  t.equal(await w.v.one('totalPaidOut'), 0n)
  t.ok((await w.v.cash(w.host, w.host, amount, good)).success, 'the genuine cheque still cashes')
  t.equal((await w.v.cash(w.host, w.host, amount, good)).revertReason, 'nothing to cash', 'and only once')
  t.ok((await w.v.cash(w.host, w.host2, amount, forHost2)).success, "host2's cheque cashes for host2")
  t.equal(await w.balanceOf(w.host2), amount)
})

t.test('an underfunded vault pays what it has and the cheque bounces for the rest', async t => {
  const w = await world(t)
  await w.fund(w.renter, 30n * BTT)
  const cheque = signCheque(w.renter, w.vault, w.host.evm, 100n * BTT)

  const bounced = await w.v.cash(w.host, w.host, 100n * BTT, cheque)
  t.ok(bounced.success, 'a bounce is not a failure: the vault pays what it holds')
  t.equal(paid(bounced), 30n * BTT)
  t.same(events(bounced, w.vault), [
    { name: 'ChequeCashed', args: [w.host.evm, w.host.evm, 100n * BTT, 30n * BTT] },
    { name: 'ChequeBounced', args: [w.host.evm, 100n * BTT, 70n * BTT] }
  ])
  t.equal(await w.balanceOf(w.host), 30n * BTT)
  t.equal(await w.v.one('paidOut', w.host.evm), 30n * BTT, 'paidOut counts only what was paid')
  t.equal(await w.v.one('balance'), 0n)

  const empty = await w.v.cash(w.host, w.host, 100n * BTT, cheque)
  t.equal(paid(empty), 0n, 'an empty vault pays nothing')
  t.same(events(empty, w.vault).map(e => e.name), ['ChequeCashed', 'ChequeBounced'])

  await w.fund(w.stranger, 50n * BTT)
  const rest = await w.v.cash(w.host, w.host, 100n * BTT, cheque)
  t.equal(paid(rest), 50n * BTT, 'after a deposit the same cheque pays more')
  t.equal(events(rest, w.vault).find(e => e.name === 'ChequeBounced')?.args[2], 20n * BTT)

  await w.fund(w.renter, 40n * BTT)
  const last = await w.v.cash(w.host, w.host, 100n * BTT, cheque)
  t.equal(paid(last), 20n * BTT)
  t.same(events(last, w.vault).map(e => e.name), ['ChequeCashed'], 'no bounce once it is paid in full')
  t.equal(await w.balanceOf(w.host), 100n * BTT)
  t.equal(await w.v.one('paidOut', w.host.evm), 100n * BTT)
  t.equal(await w.v.one('totalPaidOut'), 100n * BTT)
  t.equal(await w.v.one('balance'), 20n * BTT)
  t.equal((await w.v.cash(w.host, w.host, 100n * BTT, cheque)).revertReason, 'nothing to cash')
})

t.test('the issuer withdraws only after the time lock; hosts cash until then', async t => {
  const w = await world(t, day)
  await w.fund(w.renter, 100n * BTT)
  t.equal(await w.v.one('withdrawLock'), BigInt(day))

  t.equal((await w.v.send(w.host, 'requestWithdrawal', 10n * BTT)).revertReason, 'only the issuer')
  t.equal((await w.v.send(w.renter, 'withdraw')).revertReason, 'no withdrawal requested')
  t.equal((await w.v.send(w.renter, 'requestWithdrawal', 0n)).revertReason, 'amount is zero')

  const requestedAt = await w.evm.now()
  const requested = await w.v.send(w.renter, 'requestWithdrawal', 60n * BTT)
  t.ok(requested.success)
  t.same(events(requested, w.vault), [{ name: 'WithdrawalRequested', args: [60n * BTT, BigInt(requestedAt + day)] }])
  t.same(await w.v.read('withdrawal'), [60n * BTT, BigInt(requestedAt + day)])

  t.equal((await w.v.send(w.renter, 'withdraw')).revertReason, 'withdrawal is still locked')
  const cashed = await w.v.cash(w.host, w.host, 70n * BTT, signCheque(w.renter, w.vault, w.host.evm, 70n * BTT))
  t.equal(paid(cashed), 70n * BTT, 'a host cashes during the lock')

  await w.evm.increaseTime(day - 10)
  t.equal((await w.v.send(w.renter, 'withdraw')).revertReason, 'withdrawal is still locked', '10 s before the lock ends')
  await w.evm.increaseTime(10)
  t.equal((await w.v.send(w.host, 'withdraw')).revertReason, 'only the issuer')
  const withdrawn = await w.v.send(w.renter, 'withdraw')
  t.ok(withdrawn.success, 'the issuer withdraws after the lock')
  t.same(events(withdrawn, w.vault), [{ name: 'Withdrawn', args: [30n * BTT] }], 'no more than the balance')
  t.equal(await w.balanceOf(w.renter), 30n * BTT)
  t.equal(await w.v.one('balance'), 0n)
  t.same(await w.v.read('withdrawal'), [0n, 0n], 'the request is cleared')
  t.equal((await w.v.send(w.renter, 'withdraw')).revertReason, 'no withdrawal requested')

  await w.fund(w.renter, 10n * BTT)
  await w.v.send(w.renter, 'requestWithdrawal', 4n * BTT)
  await w.evm.increaseTime(day)
  const partial = await w.v.send(w.renter, 'withdraw')
  t.same(events(partial, w.vault), [{ name: 'Withdrawn', args: [4n * BTT] }], 'the requested amount when the balance covers it')
  t.equal(await w.v.one('balance'), 6n * BTT)
})

t.test('views: domain separator as tronweb computes it, issuer, token, chain id', async t => {
  const w = await world(t)
  const domain = { name: 'btfs-ts', version: '1', chainId, verifyingContract: tronAddress(w.vault) }
  t.equal(await w.v.one('domainSeparator'), utils.typedData.TypedDataEncoder.hashDomain(domain))
  t.equal((await w.v.one('issuer') as string).toLowerCase(), w.renter.evm)
  t.equal((await w.v.one('token') as string).toLowerCase(), w.token)
  t.equal(await w.v.one('chainId'), BigInt(chainId))

  const args = AbiCoder.defaultAbiCoder().encode(['address', 'address', 'uint256', 'uint64'], [w.renter.evm, w.renter.evm, chainId, day])
  const noToken = await w.evm.deploy(w.renter.evm, vaultArtifact.bytecode + args.slice(2))
  t.equal(noToken.revertReason, 'token is not a contract')
})

t.test('the committed artifact is a fresh build of Vault.sol, and TVM can run it', async t => {
  const build = compileVault()
  t.equal(build.bytecode, vaultArtifact.bytecode, 'init code is reproducible')
  t.equal(build.deployedBytecode, vaultArtifact.deployedBytecode, 'runtime code is reproducible')
  t.same(build.abi, vaultArtifact.abi)
  t.equal(build.solcVersion, vaultArtifact.solcVersion)
  t.equal(build.sourceSha256, createHash('sha256').update(readFileSync(vaultSourcePath())).digest('hex'))
  t.equal(vaultArtifact.settings.evmVersion, 'paris')

  const used = opcodes(vaultArtifact.deployedBytecode)
  for (const [op, name] of [[0x5f, 'PUSH0'], [0x5e, 'MCOPY'], [0x5c, 'TLOAD'], [0x5d, 'TSTORE'], [0x46, 'CHAINID'], [0x48, 'BASEFEE'], [0x49, 'BLOBHASH'], [0x4a, 'BLOBBASEFEE'], [0xff, 'SELFDESTRUCT']] as const) {
    t.notOk(used.has(op), `runtime code has no ${name}`)
  }
})

/** The opcodes of runtime code (PUSH data skipped, solc's CBOR metadata trailer cut off). */
function opcodes (code: string): Set<number> {
  const bytes = Buffer.from(code.slice(2), 'hex')
  const end = bytes.length - 2 - bytes.readUInt16BE(bytes.length - 2)
  const seen = new Set<number>()
  for (let i = 0; i < end; i++) {
    const op = bytes[i]
    seen.add(op)
    if (op >= 0x60 && op <= 0x7f) i += op - 0x5f
  }
  return seen
}
