/**
 * Contracts that exist only for tests, compiled at test time with the vault's pinned solc and
 * settings (src/settlement/vault/compile.ts).
 */
import { readFileSync } from 'node:fs'
import { compileSolidity, type CompiledContract } from '../../src/settlement/vault/compile.js'

let testBtt: CompiledContract | undefined

/**
 * test/fixtures/TestBTT.sol: an ERC-20 standing in for BTT's TRC-20 ("Test BTT", "BTT",
 * 18 decimals; the deployer can `mint(to, value)`). Compiled once per process.
 */
export function compileTestBtt (): CompiledContract {
  if (testBtt === undefined) {
    const source = readFileSync(new URL('../fixtures/TestBTT.sol', import.meta.url), 'utf8')
    const { abi, bytecode, deployedBytecode } = compileSolidity('TestBTT.sol', source, 'TestBTT')
    testBtt = { abi, bytecode, deployedBytecode }
  }
  return testBtt
}
