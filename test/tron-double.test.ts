import t, { type Test } from 'tap'
import { TronWeb, utils } from 'tronweb'
import { compileTestBtt } from './helpers/contracts.js'
import { startTronDouble, type Hostility, type TronDouble } from './helpers/tron-double.js'

t.setTimeout(120_000)

const TRX = 1_000_000n
const FEE_LIMIT = 100_000_000
const TRANSFER_TOPIC = 'ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'

const token = compileTestBtt()
const owner = utils.accounts.generateAccount()
const stranger = utils.accounts.generateAccount()

interface Setup { double: TronDouble, tronWeb: TronWeb, tokenAddress: string, contract: any }

async function setup (t: Test, options: Parameters<typeof startTronDouble>[0] = {}): Promise<Setup> {
  const double = await startTronDouble(options)
  t.teardown(async () => await double.stop())
  double.setTrx(owner.address.base58, 1000n * TRX)
  const tokenAddress = await double.deploy(owner.address.base58, token.bytecode, { name: 'TestBTT', abi: token.abi })
  const tronWeb = new TronWeb({ fullHost: double.url, privateKey: owner.privateKey })
  return { double, tronWeb, tokenAddress, contract: tronWeb.contract(token.abi as any, tokenAddress) }
}

/** An unsigned mint(owner, 1) built by the double, as tronweb's transactionBuilder returns it. */
async function buildMint (s: Setup, from = owner.address.base58): Promise<any> {
  const built = await s.tronWeb.transactionBuilder.triggerSmartContract(s.tokenAddress, 'mint(address,uint256)', { feeLimit: FEE_LIMIT },
    [{ type: 'address', value: from }, { type: 'uint256', value: '1' }], from)
  return built.transaction
}

function message (broadcast: { message?: string }): string {
  return TronWeb.toUtf8(broadcast.message ?? '')
}

function revertReason (hex: string): string {
  if (!hex.startsWith('08c379a0')) throw new Error(`not an Error(string): ${hex}`)
  return utils.ethersUtils.AbiCoder.defaultAbiCoder().decode(['string'], '0x' + hex.slice(8))[0] as string
}

t.test('a contract send that succeeds: SUCCESS, logs as java-tron prints them, fee burnt', async t => {
  const s = await setup(t)
  const before = s.double.trx(owner.address.base58)
  const txid: string = await s.contract.mint(owner.address.base58, '1000000000000000000000').send({ feeLimit: FEE_LIMIT })
  t.match(txid, /^[0-9a-f]{64}$/, 'send resolves to the txID')
  t.ok(s.double.calls.includes('POST /wallet/triggersmartcontract'), 'the node built the transaction')
  t.ok(s.double.calls.includes('POST /wallet/broadcasttransaction'), 'and took the broadcast')

  const info = await s.tronWeb.trx.getTransactionInfo(txid) as any
  t.equal(info.id, txid)
  t.equal(info.receipt.result, 'SUCCESS')
  t.notOk('result' in info, 'no FAILED on success (java-tron leaves the default out)')
  t.equal(info.blockNumber, s.double.head().number)
  t.equal(info.blockTimeStamp, s.double.head().timestamp)
  t.equal(info.contract_address, TronWeb.address.toHex(s.tokenAddress).toLowerCase())
  t.equal(info.log.length, 1)
  t.equal(info.log[0].address, TronWeb.address.toHex(s.tokenAddress).slice(2).toLowerCase(), 'log address is the 20-byte form, no 41, no 0x')
  t.same(info.log[0].topics, [TRANSFER_TOPIC, '0'.repeat(64), '0'.repeat(24) + TronWeb.address.toHex(owner.address.base58).slice(2).toLowerCase()])
  t.equal(BigInt('0x' + info.log[0].data), 10n ** 21n)
  t.ok(info.fee > 0, 'energy is paid in TRX')
  t.equal(info.fee, info.receipt.energy_fee, 'bandwidth came from the free allowance')
  t.ok(info.receipt.net_usage > 0)
  t.equal(s.double.trx(owner.address.base58), before - BigInt(info.fee), 'the fee left the owner\'s TRX')
  t.equal(BigInt(await s.tronWeb.trx.getBalance(owner.address.base58)), before - BigInt(info.fee), 'getBalance (walletsolidity/getaccount) agrees')

  const balance = await s.contract.balanceOf(owner.address.base58).call()
  t.equal(BigInt(balance), 10n ** 21n, '.call() reads the state the send wrote')
  t.ok(s.double.calls.includes('POST /wallet/triggerconstantcontract'))

  const sent = await s.contract.transfer(stranger.address.base58, '5').send({ feeLimit: FEE_LIMIT, shouldPollResponse: true })
  t.equal(sent, true, 'shouldPollResponse decodes the return value from contractResult')

  const block = await s.tronWeb.trx.getCurrentBlock() as any
  t.equal(block.blockID, s.double.head().id)
  t.equal(block.block_header.raw_data.parentHash, (await s.tronWeb.trx.getBlockByNumber(s.double.head().number - 1) as any).blockID, 'blocks chain by parent hash')
  const contract = await s.tronWeb.trx.getContract(s.tokenAddress)
  t.equal(contract.contract_address, TronWeb.address.toHex(s.tokenAddress).toLowerCase())
  const at = await s.tronWeb.contract().at(s.tokenAddress)
  t.equal(await at.decimals().call(), 18n, 'contract().at() loads the ABI from wallet/getcontract')
})

t.test('a contract send that reverts: mined as REVERT with the reason in contractResult, fee still burnt', async t => {
  const s = await setup(t)
  const before = s.double.trx(owner.address.base58)
  const txid: string = await s.contract.transfer(stranger.address.base58, '1').send({ feeLimit: FEE_LIMIT })
  const info = await s.tronWeb.trx.getTransactionInfo(txid) as any
  t.equal(info.receipt.result, 'REVERT')
  t.equal(info.result, 'FAILED')
  t.equal(TronWeb.toUtf8(info.resMessage), 'REVERT opcode executed')
  t.equal(revertReason(info.contractResult[0]), 'insufficient balance')
  t.notOk('log' in info, 'a reverted call leaves no logs')
  t.ok(info.fee > 0)
  t.equal(s.double.trx(owner.address.base58), before - BigInt(info.fee), 'REVERT still costs TRX')

  await t.rejects(s.contract.transfer(stranger.address.base58, '1').send({ feeLimit: FEE_LIMIT, shouldPollResponse: true }),
    { message: 'REVERT opcode executed' }, 'tronweb polls the info and throws resMessage')
  await t.rejects(s.tronWeb.transactionBuilder.triggerConstantContract(s.tokenAddress, 'transfer(address,uint256)', {},
    [{ type: 'address', value: stranger.address.base58 }, { type: 'uint256', value: '1' }], owner.address.base58),
  { message: 'REVERT opcode executed' }, 'a reverting constant call is reported as java-tron does')
  await t.rejects(s.tronWeb.transactionBuilder.triggerConstantContract(stranger.address.base58, 'decimals()', {}, [], owner.address.base58),
    { message: 'Smart contract is not exist.' })
  await t.rejects(s.tronWeb.transactionBuilder.triggerSmartContract(stranger.address.base58, 'decimals()', { feeLimit: FEE_LIMIT }, [], owner.address.base58),
    { message: 'No contract or not a valid smart contract' })
})

t.test('broadcast rejections', async t => {
  const s = await setup(t)

  await t.test('signed by another key: SIGERROR', async t => {
    const tx = await buildMint(s)
    const signed = utils.crypto.signTransaction(stranger.privateKey, tx)
    const result = await s.tronWeb.trx.sendRawTransaction(signed)
    t.equal(result.code, 'SIGERROR')
    t.equal(message(result), `Validate signature error: ${signed.signature[0]} is signed by ${stranger.address.base58} but it is not contained of permission.`)
    t.equal(s.double.pending().length, 0)
  })

  await t.test('unsigned: SIGERROR', async t => {
    const tx = await buildMint(s)
    const result = await s.tronWeb.fullNode.request<any>('wallet/broadcasttransaction', tx, 'post')
    t.equal(result.code, 'SIGERROR')
  })

  await t.test('unknown reference block: TAPOS_ERROR', async t => {
    const head = s.double.head()
    const built = await s.tronWeb.transactionBuilder.triggerSmartContract(s.tokenAddress, 'mint(address,uint256)',
      { feeLimit: FEE_LIMIT, txLocal: true, blockHeader: { ref_block_bytes: head.id.slice(12, 16), ref_block_hash: 'ffffffffffffffff', expiration: head.timestamp + 60_000, timestamp: head.timestamp } },
      [{ type: 'address', value: owner.address.base58 }, { type: 'uint256', value: '1' }], owner.address.base58)
    const result = await s.tronWeb.trx.sendRawTransaction(await s.tronWeb.trx.sign(built.transaction))
    t.equal(result.code, 'TAPOS_ERROR')
    t.equal(message(result), 'Tapos check error.')
  })

  await t.test('expired, and too far ahead: TRANSACTION_EXPIRATION_ERROR', async t => {
    const tx = await s.tronWeb.trx.sign(await buildMint(s))
    await s.double.advanceTime(61)
    const result = await s.tronWeb.trx.sendRawTransaction(tx)
    t.equal(result.code, 'TRANSACTION_EXPIRATION_ERROR')
    t.equal(message(result), 'Transaction expired')

    const head = s.double.head()
    const built = await s.tronWeb.transactionBuilder.triggerSmartContract(s.tokenAddress, 'mint(address,uint256)',
      { feeLimit: FEE_LIMIT, txLocal: true, blockHeader: { ref_block_bytes: head.id.slice(12, 16), ref_block_hash: head.id.slice(16, 32), expiration: head.timestamp + 25 * 3600_000, timestamp: head.timestamp } },
      [{ type: 'address', value: owner.address.base58 }, { type: 'uint256', value: '1' }], owner.address.base58)
    const far = await s.tronWeb.trx.sendRawTransaction(await s.tronWeb.trx.sign(built.transaction))
    t.equal(far.code, 'TRANSACTION_EXPIRATION_ERROR')
  })

  await t.test('the same transaction twice: DUP_TRANSACTION_ERROR', async t => {
    const tx = await s.tronWeb.trx.sign(await buildMint(s))
    const first = await s.tronWeb.trx.sendRawTransaction(tx)
    t.equal(first.result, true)
    t.equal((first as any).txid, tx.txID)
    const second = await s.tronWeb.trx.sendRawTransaction(tx)
    t.equal(second.code, 'DUP_TRANSACTION_ERROR')
    t.equal(message(second), 'Dup transaction.')
  })

  await t.test('a txID that does not match raw_data is judged by raw_data (java-tron ignores txID and raw_data_hex)', async t => {
    const tx = await buildMint(s)
    const forged = utils.crypto.signTransaction(owner.privateKey, { ...tx, txID: 'ab'.repeat(32) })
    const result = await s.tronWeb.trx.sendRawTransaction(forged)
    t.equal(result.code, 'SIGERROR', 'the signature over the wrong hash recovers to someone else')
  })

  await t.test('not enough TRX for the fee', async t => {
    const nobody = utils.accounts.generateAccount()
    const unknown = await s.tronWeb.trx.sendRawTransaction(utils.crypto.signTransaction(nobody.privateKey, await buildMint(s, nobody.address.base58)))
    t.equal(unknown.code, 'CONTRACT_VALIDATE_ERROR', 'an account never given TRX does not exist')
    t.equal(message(unknown), `Contract validate error : account [${nobody.address.base58}] does not exist`)

    const poor = utils.accounts.generateAccount()
    s.double.setTrx(poor.address.base58, 0n)
    const first = await s.tronWeb.trx.sendRawTransaction(utils.crypto.signTransaction(poor.privateKey, await buildMint(s, poor.address.base58)))
    t.equal(first.result, true, 'free bandwidth carries the bytes')
    const info = await s.tronWeb.trx.getTransactionInfo(first.transaction.txID) as any
    t.equal(info.receipt.result, 'OUT_OF_ENERGY', 'but no TRX means no energy: mined and failed')
    t.equal(info.result, 'FAILED')
    t.match(TronWeb.toUtf8(info.resMessage), /^Not enough energy/)
    const second = await s.tronWeb.trx.sendRawTransaction(utils.crypto.signTransaction(poor.privateKey, await buildMint(s, poor.address.base58)))
    t.equal(second.code, 'BANDWITH_ERROR', 'free bandwidth used up and no TRX to burn for it')
    t.equal(message(second), 'Account resource insufficient error.')
  })

  await t.test('a fee limit above the maximum', async t => {
    const built = await s.tronWeb.transactionBuilder.triggerSmartContract(s.tokenAddress, 'mint(address,uint256)', { feeLimit: 16_000_000_000 },
      [{ type: 'address', value: owner.address.base58 }, { type: 'uint256', value: '1' }], owner.address.base58)
    const result = await s.tronWeb.trx.sendRawTransaction(await s.tronWeb.trx.sign(built.transaction))
    t.equal(result.code, 'CONTRACT_VALIDATE_ERROR')
    t.equal(message(result), 'Contract validate error : feeLimit must be >= 0 and <= 15000000000')
  })

  await t.test('a fee limit too small for the call: OUT_OF_ENERGY, the whole limit burnt', async t => {
    const before = s.double.trx(owner.address.base58)
    const txid: string = await s.contract.mint(owner.address.base58, '1').send({ feeLimit: 100_000 })
    const info = await s.tronWeb.trx.getTransactionInfo(txid) as any
    t.equal(info.receipt.result, 'OUT_OF_ENERGY')
    t.equal(info.receipt.energy_fee, 100_000)
    t.ok(info.receipt.net_fee > 0, 'the owner\'s free bandwidth is used up by now: bytes are paid in TRX')
    t.equal(s.double.trx(owner.address.base58), before - 100_000n - BigInt(info.receipt.net_fee))
    t.equal(info.fee, 100_000 + info.receipt.net_fee)
  })
})

t.test('pending until mined, unconfirmed until solid', async t => {
  const s = await setup(t, { autoMine: false, solidityLag: 2 })
  const txid: string = await s.contract.mint(owner.address.base58, '7').send({ feeLimit: FEE_LIMIT })
  t.same(s.double.pending(), [txid])
  t.same(await s.tronWeb.trx.getUnconfirmedTransactionInfo(txid), {}, 'no info before a block has it')
  await s.double.mine()
  t.equal((await s.tronWeb.trx.getUnconfirmedTransactionInfo(txid) as any).receipt.result, 'SUCCESS', 'wallet/ sees the head')
  t.same(await s.tronWeb.trx.getTransactionInfo(txid), {}, 'walletsolidity/ waits for the solid block')
  await s.double.mine()
  await s.double.mine()
  t.equal((await s.tronWeb.trx.getTransactionInfo(txid) as any).receipt.result, 'SUCCESS')
  t.equal((await s.tronWeb.trx.getConfirmedCurrentBlock() as any).block_header.raw_data.number, s.double.head().number - 2)
})

t.test('contract creation (CreateSmartContract)', async t => {
  const s = await setup(t)
  const { compileSolidity } = await import('../src/settlement/vault/compile.js')
  const created = (address: string): string => '41' + utils.ethersUtils.keccak256(Buffer.from(address, 'hex')).slice(-40)

  await t.test('tronweb createSmartContract, signed and broadcast: SUCCESS at java-tron\'s address', async t => {
    const calls = s.double.calls.length
    const tx = await s.tronWeb.transactionBuilder.createSmartContract({ abi: token.abi as any, bytecode: token.bytecode, feeLimit: FEE_LIMIT, name: 'TestBTT' }, owner.address.base58)
    t.same(s.double.calls.slice(calls), ['POST /wallet/getblock'], 'tronweb 6.5.1 builds it locally on the node\'s reference block')
    const ownerHex = TronWeb.address.toHex(owner.address.base58).toLowerCase()
    t.equal(tx.contract_address, created(tx.txID + ownerHex), 'contract_address = 41 ‖ keccak256(txID ‖ owner)[12..]')
    const result = await s.tronWeb.trx.sendRawTransaction(await s.tronWeb.trx.sign(tx))
    t.equal(result.result, true)
    const info = await s.tronWeb.trx.getTransactionInfo(tx.txID) as any
    t.equal(info.receipt.result, 'SUCCESS')
    t.equal(info.contract_address, tx.contract_address)
    t.ok(info.fee > 0 && info.receipt.energy_usage_total > 0, 'the creation costs energy')
    t.equal(info.contractResult[0], (await s.double.evm.code(s.double.evmAddress(tx.contract_address))).slice(2), 'contractResult is the runtime code')
    const address = TronWeb.address.fromHex(tx.contract_address)
    const contract = await s.tronWeb.trx.getContract(address)
    t.equal(contract.name, 'TestBTT')
    t.equal(contract.origin_address, ownerHex)
    t.equal(contract.bytecode, token.bytecode.replace(/^0x/, '').toLowerCase())
    const at = await s.tronWeb.contract().at(address)
    t.equal(await at.decimals().call(), 18n, 'the ABI came from the transaction')

    const again = await s.tronWeb.trx.sendRawTransaction(await s.tronWeb.trx.sign(tx))
    t.equal(again.code, 'DUP_TRANSACTION_ERROR')
  })

  await t.test('tronweb contract().new(): deploys and polls until the contract is there', async t => {
    const deployed = await s.tronWeb.contract().new({ abi: token.abi as any, bytecode: token.bytecode, feeLimit: FEE_LIMIT })
    t.equal(await deployed.decimals().call(), 18n)
  })

  await t.test('signed by another key: SIGERROR, nothing created', async t => {
    const tx = await s.tronWeb.transactionBuilder.createSmartContract({ abi: token.abi as any, bytecode: token.bytecode, feeLimit: FEE_LIMIT }, owner.address.base58)
    const result = await s.tronWeb.trx.sendRawTransaction(utils.crypto.signTransaction(stranger.privateKey, tx))
    t.equal(result.code, 'SIGERROR')
    t.match(message(result), `is signed by ${stranger.address.base58} but it is not contained of permission.`)
    t.equal(await s.double.evm.code(s.double.evmAddress(tx.contract_address)), '0x')
    t.equal(s.double.pending().length, 0)
  })

  await t.test('java-tron\'s CreateSmartContract validation', async t => {
    const base = await s.tronWeb.transactionBuilder.createSmartContract({ abi: token.abi as any, bytecode: token.bytecode, feeLimit: FEE_LIMIT }, owner.address.base58)
    const rebuilt = (change: (value: any) => void): any => {
      const tx = JSON.parse(JSON.stringify(base))
      change(tx.raw_data.contract[0].parameter.value)
      const pb = utils.transaction.txJsonToPb(tx)
      tx.txID = utils.transaction.txPbToTxID(pb).replace(/^0x/, '')
      tx.raw_data_hex = utils.transaction.txPbToRawDataHex(pb).toLowerCase()
      return utils.crypto.signTransaction(owner.privateKey, tx)
    }
    const refused = async (change: (value: any) => void, why: string): Promise<void> => {
      const result = await s.tronWeb.trx.sendRawTransaction(rebuilt(change))
      t.equal(result.code, 'CONTRACT_VALIDATE_ERROR', why)
      t.equal(message(result), `Contract validate error : ${why}`)
    }
    await refused(v => { v.new_contract.origin_address = TronWeb.address.toHex(stranger.address.base58) }, 'OwnerAddress is not equals OriginAddress')
    await refused(v => { v.new_contract.name = 'x'.repeat(33) }, 'contractName\'s length cannot be greater than 32')
    await refused(v => { v.new_contract.consume_user_resource_percent = 101 }, 'percent must be >= 0 and <= 100')
    await refused(v => { v.new_contract.origin_energy_limit = 0 }, 'The originEnergyLimit must be > 0')
    await refused(v => { delete v.new_contract.bytecode }, 'the double needs init code (new_contract.bytecode)')
    t.equal(s.double.pending().length, 0)
  })

  await t.test('a constructor that reverts: REVERT with the reason, contract_address named, no contract, fee burnt', async t => {
    const failing = compileSolidity('Failing.sol', `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Failing { constructor() { revert("no deploy"); } }`, 'Failing')
    const before = s.double.trx(owner.address.base58)
    const tx = await s.tronWeb.transactionBuilder.createSmartContract({ abi: failing.abi as any, bytecode: failing.bytecode, feeLimit: FEE_LIMIT }, owner.address.base58)
    t.equal((await s.tronWeb.trx.sendRawTransaction(await s.tronWeb.trx.sign(tx))).result, true)
    const info = await s.tronWeb.trx.getTransactionInfo(tx.txID) as any
    t.equal(info.receipt.result, 'REVERT')
    t.equal(revertReason(info.contractResult[0]), 'no deploy')
    t.equal(info.contract_address, tx.contract_address)
    t.equal(await s.double.evm.code(s.double.evmAddress(tx.contract_address)), '0x')
    t.same(await s.tronWeb.trx.getContract(TronWeb.address.fromHex(tx.contract_address)).catch(() => ({})), {}, 'getcontract knows nothing of it')
    t.equal(s.double.trx(owner.address.base58), before - BigInt(info.fee))
  })

  await t.test('wallet/deploycontract builds the same kind of transaction, with contract_address', async t => {
    const tx = await s.tronWeb.fullNode.request<any>('wallet/deploycontract', {
      owner_address: TronWeb.address.toHex(owner.address.base58), abi: JSON.stringify(token.abi), bytecode: token.bytecode.replace(/^0x/, ''),
      fee_limit: FEE_LIMIT, consume_user_resource_percent: 100, origin_energy_limit: 10_000_000, name: 'ByNode'
    }, 'post')
    t.ok(utils.transaction.txCheck(tx), 'txID and raw_data_hex agree with raw_data')
    t.equal(tx.raw_data.contract[0].type, 'CreateSmartContract')
    t.equal(tx.raw_data.fee_limit, FEE_LIMIT)
    t.equal(tx.contract_address, created(tx.txID + TronWeb.address.toHex(owner.address.base58).toLowerCase()))
    t.equal((await s.tronWeb.trx.sendRawTransaction(await s.tronWeb.trx.sign(tx))).result, true)
    t.equal((await s.tronWeb.trx.getTransactionInfo(tx.txID) as any).receipt.result, 'SUCCESS')
    const contract = await s.tronWeb.trx.getContract(TronWeb.address.fromHex(tx.contract_address))
    t.equal(contract.name, 'ByNode')
    t.equal(await (await s.tronWeb.contract().at(TronWeb.address.fromHex(tx.contract_address))).decimals().call(), 18n)
    const bad = await s.tronWeb.fullNode.request<any>('wallet/deploycontract', { abi: '[]', bytecode: '00' }, 'post')
    t.match(bad.Error, /owner_address isn't set/)
  })
})

t.test('a hostile double builds self-consistent transactions other than the one asked for', async t => {
  const s = await setup(t)
  const evm = (address: string): string => '0x' + TronWeb.address.toHex(address).slice(2)
  const parameter = utils.ethersUtils.AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [evm(stranger.address.base58), 5]).slice(2)
  const request = {
    owner_address: TronWeb.address.toHex(owner.address.base58), contract_address: TronWeb.address.toHex(s.tokenAddress),
    function_selector: 'approve(address,uint256)', parameter, call_value: 0, fee_limit: FEE_LIMIT
  }
  const build = async (): Promise<any> => (await s.tronWeb.fullNode.request<any>('wallet/triggersmartcontract', request, 'post')).transaction
  const value = (tx: any): any => tx.raw_data.contract[0].parameter.value
  const honest = await build()
  const attacker = TronWeb.address.toHex(s.double.attacker).toLowerCase()
  const expected: Record<string, (tx: any) => boolean> = {
    spender: tx => value(tx).data.slice(8, 72) === attacker.slice(2).padStart(64, '0'),
    amount: tx => value(tx).data.slice(72) === 'f'.repeat(64),
    contract: tx => value(tx).contract_address === attacker,
    callValue: tx => value(tx).call_value === 1_000_000,
    tokenValue: tx => value(tx).call_token_value === 1_000_000 && value(tx).token_id === 1_000_001,
    owner: tx => value(tx).owner_address === attacker,
    feeLimit: tx => tx.raw_data.fee_limit === 15_000_000_000,
    expiration: tx => tx.raw_data.expiration > s.double.head().timestamp + 22 * 3_600_000
  }
  for (const [mode, differs] of Object.entries(expected)) {
    s.double.hostile = mode as Hostility
    const tx = await build()
    t.ok(utils.transaction.txCheck(tx), `${mode}: raw_data, raw_data_hex and txID agree (tronweb's txCheck passes)`)
    t.ok(differs(tx) && !differs(honest), `${mode}: but it is not the call asked for`)
  }
  s.double.hostile = 'hexOnly'
  const split = await build()
  t.same(value(split), value(honest), 'hexOnly: the JSON is the honest call')
  t.equal(utils.transaction.txCheck(split), false, 'over other bytes')
  t.equal(split.txID, utils.ethersUtils.sha256(Buffer.from(split.raw_data_hex, 'hex')).slice(2), 'whose hash is the txID')
  s.double.hostile = 'secondContract'
  const two = await build()
  t.equal(two.raw_data.contract.length, 2, 'secondContract: two contracts in the JSON')
  t.equal(two.txID, utils.ethersUtils.sha256(Buffer.from(two.raw_data_hex, 'hex')).slice(2), 'and in the hashed bytes')
  s.double.hostile = undefined
})
