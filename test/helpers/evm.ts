/**
 * An in-process EVM for tests: real contract bytecode executed by @ethereumjs/vm at the `paris`
 * hardfork (the rules TRON's TVM follows for our contracts: no PUSH0, no MCOPY), so a contract
 * that accidentally needs a later fork fails here too.
 *
 * Why not ganache 7: it runs on Node 20, but its RPC cannot give a mined transaction's return
 * data (debug_traceTransaction's returnValue is empty) nor a reverted one's raw revert data
 * (the error's `result` holds the tx hash), which `call()` must return; it is also archived.
 *
 * Transactions: each `deploy`/`call` is mined alone in a new block whose timestamp is `now()`;
 * blocks are 3 s apart (like TRON's) and `increaseTime` adds to the gap. Gas costs nothing
 * (base fee and gas price are 0), so `fund` is only needed to send value. Senders are
 * impersonated: no private keys, any 20-byte address can send. A failed execution is a result
 * with `success: false`; a transaction no chain would take (value above the sender's balance)
 * throws and changes nothing. Operations run one at a time, in call order.
 */
import { createBlock } from '@ethereumjs/block'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createLegacyTx } from '@ethereumjs/tx'
import { Account, bytesToHex, createAddressFromString, hexToBytes, type Address } from '@ethereumjs/util'
import { createVM, runTx } from '@ethereumjs/vm'

/** One event log: the emitting contract, its topics and data. */
export interface EvmLog {
  /** 0x + 40 lowercase hex. */
  address: string
  /** Each 0x + 64 hex. */
  topics: string[]
  /** 0x hex. */
  data: string
}

/** What an execution did. */
export interface EvmResult {
  success: boolean
  /** 0x hex: the return data, or the revert data of a failure. */
  returnData: string
  /** Logs of a successful execution (none on failure). */
  logs: EvmLog[]
  /** Gas of the whole transaction, intrinsic cost included, refunds deducted. */
  gasUsed: bigint
  /**
   * On failure: the decoded `Error(string)` message, `Panic(0x11)` style for a panic, or the
   * EVM's own word (`revert` for a bare revert, `out of gas`, `invalid opcode`…) otherwise.
   */
  revertReason?: string
  /** For a successful deploy: 0x + 40 lowercase hex. */
  createdAddress?: string
}

/** The EVM as tests and the TRON test double drive it. */
export interface TestEvm {
  /** Gives `address` (0x + 40 hex) ETH for gas. */
  fund: (address: string, wei: bigint) => Promise<void>
  /**
   * Runs init code from `from`; on success the contract exists at createdAddress. By default the
   * address is the EVM's CREATE address (sender, nonce); `options.address` (0x + 40 hex) puts the
   * contract there instead, as TRON does (its address comes from the transaction id and owner).
   * Creating over an address that already has code or a nonce fails like any CREATE collision.
   * `options.dryRun` runs the creation like a staticCall: the result, and no state kept.
   */
  deploy: (from: string, initCode: string, options?: { address?: string, dryRun?: boolean }) => Promise<EvmResult>
  /** A state-changing call (a mined transaction): state kept on success, reverted on failure. */
  call: (from: string, to: string, data: string, value?: bigint) => Promise<EvmResult>
  /** A read-only call: never changes state. */
  staticCall: (from: string, to: string, data: string) => Promise<EvmResult>
  /** Unix seconds of the next block; increaseTime moves it forward (for the time lock). */
  now: () => Promise<number>
  increaseTime: (seconds: number) => Promise<void>
  /** Runtime code at `address` (`0x` when none). */
  code: (address: string) => Promise<string>
  stop: () => Promise<void>
}

const blockSeconds = 3
const blockGasLimit = 30_000_000n
const txGasLimit = 10_000_000n
const errorSelector = '0x08c379a0'
const panicSelector = '0x4e487b71'

/** Starts an empty chain whose next block is stamped with the current time. */
export async function createTestEvm (): Promise<TestEvm> {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Paris })
  const vm = await createVM({ common })
  let stopped = false
  let number = 0n
  let nextTimestamp = Math.floor(Date.now() / 1000)

  // A deploy at a chosen address: the top-level CREATE's address generator answers it instead of
  // (sender, nonce) while that deploy runs; CREATEs nested in the init code keep the usual rule.
  let createAt: Address | undefined
  const generator = vm.evm as unknown as { _generateAddress: (message: { depth: number }) => Promise<Address> }
  const generateAddress = generator._generateAddress.bind(vm.evm)
  generator._generateAddress = async message => message.depth === 0 && createAt !== undefined ? createAt : await generateAddress(message)

  // One operation at a time: a staticCall's checkpoint/revert must not swallow a concurrent call.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = async <T>(operation: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      if (stopped) throw new Error('TestEvm is stopped')
      return await operation()
    })
    queue = run.catch(() => {})
    return await run
  }

  /** Runs a transaction in block `blockNumber` at `timestamp`; its state stays unless the caller reverts it. */
  const execute = async (from: string, to: string | undefined, data: string, value: bigint, blockNumber: bigint, timestamp: number): Promise<EvmResult> => {
    const sender = address(from)
    const account = await vm.stateManager.getAccount(sender)
    const tx = createLegacyTx({
      nonce: account?.nonce ?? 0n,
      gasPrice: 0n,
      gasLimit: txGasLimit,
      to: to === undefined ? undefined : address(to),
      value,
      data: hexToBytes(hex(data, 'data'))
    }, { common, freeze: false })
    // Impersonation: the transaction is unsigned and names its sender itself.
    tx.getSenderAddress = () => sender
    const block = createBlock({
      header: { number: blockNumber, timestamp: BigInt(timestamp), gasLimit: blockGasLimit, baseFeePerGas: 0n }
    }, { common })
    const result = await runTx(vm, { tx, block, skipBlockGasLimitValidation: true })
    const exec = result.execResult
    const returnData = bytesToHex(exec.returnValue)
    const success = exec.exceptionError === undefined
    return {
      success,
      returnData,
      logs: success ? (exec.logs ?? []).map(([addr, topics, logData]) => ({ address: bytesToHex(addr), topics: topics.map(t => bytesToHex(t)), data: bytesToHex(logData) })) : [],
      gasUsed: result.totalGasSpent,
      ...(success ? {} : { revertReason: decodeRevert(returnData) ?? exec.exceptionError?.error }),
      ...(success && result.createdAddress !== undefined ? { createdAddress: result.createdAddress.toString() } : {})
    }
  }

  const mine = async (from: string, to: string | undefined, data: string, value: bigint, at?: Address): Promise<EvmResult> => await serial(async () => {
    createAt = at
    try {
      const result = await execute(from, to, data, value, number + 1n, nextTimestamp)
      number += 1n
      nextTimestamp += blockSeconds
      return result
    } finally {
      createAt = undefined
    }
  })

  return {
    async fund (addr, wei) {
      await serial(async () => {
        const at = address(addr)
        const account = await vm.stateManager.getAccount(at) ?? new Account()
        account.balance += wei
        await vm.stateManager.putAccount(at, account)
      })
    },
    async deploy (from, initCode, options = {}) {
      const at = options.address === undefined ? undefined : address(options.address)
      if (options.dryRun !== true) return await mine(from, undefined, initCode, 0n, at)
      return await serial(async () => {
        await vm.stateManager.checkpoint()
        createAt = at
        try {
          return await execute(from, undefined, initCode, 0n, number + 1n, nextTimestamp)
        } finally {
          createAt = undefined
          await vm.stateManager.revert()
        }
      })
    },
    async call (from, to, data, value = 0n) {
      return await mine(from, to, data, value)
    },
    async staticCall (from, to, data) {
      return await serial(async () => {
        await vm.stateManager.checkpoint()
        try {
          return await execute(from, to, data, 0n, number + 1n, nextTimestamp)
        } finally {
          await vm.stateManager.revert()
        }
      })
    },
    async now () {
      return await serial(async () => nextTimestamp)
    },
    async increaseTime (seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`increaseTime needs seconds >= 0, got ${seconds}`)
      await serial(async () => {
        nextTimestamp += Math.ceil(seconds) // block timestamps are whole seconds; never move less than asked
      })
    },
    async code (addr) {
      return await serial(async () => bytesToHex(await vm.stateManager.getCode(address(addr))))
    },
    async stop () {
      await queue
      stopped = true
    }
  }
}

function hex (value: string, what: string): `0x${string}` {
  if (!isHex(value)) throw new TypeError(`${what} must be 0x-prefixed hex of whole bytes, got ${value.slice(0, 20)}`)
  return value
}

function isHex (value: string): value is `0x${string}` {
  return /^0x([0-9a-fA-F]{2})*$/.test(value)
}

function address (value: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new TypeError(`an EVM address is 0x + 40 hex, got ${value}`)
  return createAddressFromString(value)
}

/** Error(string) → its message; Panic(uint256) → `Panic(0x..)`; anything else → undefined. */
export function decodeRevert (returnData: string): string | undefined {
  const body = returnData.slice(10)
  if (returnData.startsWith(errorSelector) && body.length >= 128) {
    const offset = Number(BigInt(`0x${body.slice(0, 64)}`)) * 2
    const length = Number(BigInt(`0x${body.slice(offset, offset + 64)}`)) * 2
    const text = body.slice(offset + 64, offset + 64 + length)
    if (text.length === length) return Buffer.from(text, 'hex').toString('utf8')
  }
  if (returnData.startsWith(panicSelector) && body.length === 64) {
    return `Panic(0x${BigInt(`0x${body}`).toString(16).padStart(2, '0')})`
  }
  return undefined
}
