/**
 * The vault's reproducible build. Vault.sol is compiled by solc-js at one pinned version with
 * fixed settings and no metadata hash, so the same source always gives the same bytes; the
 * result is frozen into `artifact.ts`, which is all the daemon imports (solc is a
 * devDependency). Regenerate with `npm run build:vault` after changing Vault.sol; a test checks
 * that the committed artifact still equals a fresh build.
 *
 * evmVersion `paris`: TRON's TVM runs it (no PUSH0 from shanghai, no MCOPY/TSTORE from cancun).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import solc from 'solc'

/** Compiler settings of every build (standard-JSON `settings` without `outputSelection`). */
export const solcSettings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'paris',
  metadata: { bytecodeHash: 'none' }
} as const

/** One compiled contract. Byte strings are `0x` hex. */
export interface CompiledContract {
  abi: unknown[]
  /** Init code (constructor arguments are appended ABI-encoded). */
  bytecode: string
  /** Runtime code as deployed. */
  deployedBytecode: string
}

/** The vault build, as frozen into artifact.ts. */
export interface VaultBuild extends CompiledContract {
  /** Full solc version, e.g. `0.8.37+commit.f401782d.Emscripten.clang`. */
  solcVersion: string
  settings: typeof solcSettings
  /** SHA-256 (hex) of Vault.sol as compiled. */
  sourceSha256: string
}

/** Thrown when solc reports errors; `message` carries solc's formatted messages. */
export class SolidityCompileError extends Error {
  static override name = 'SolidityCompileError'
  override name = 'SolidityCompileError'
}

interface SolcOutput {
  errors?: Array<{ severity: 'error' | 'warning' | 'info', formattedMessage: string }>
  contracts?: Record<string, Record<string, {
    abi: unknown[]
    evm: { bytecode: { object: string }, deployedBytecode: { object: string } }
  }>>
}

/**
 * Compiles one Solidity source (no imports) with the pinned solc and `solcSettings`, and returns
 * `contractName` from it. Throws SolidityCompileError on any compiler error; warnings are
 * returned for the caller to show.
 */
export function compileSolidity (sourceName: string, source: string, contractName: string): CompiledContract & { warnings: string[] } {
  const input = {
    language: 'Solidity',
    sources: { [sourceName]: { content: source } },
    settings: {
      ...solcSettings,
      outputSelection: { [sourceName]: { [contractName]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } }
    }
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  const problems = output.errors ?? []
  const errors = problems.filter(e => e.severity === 'error')
  if (errors.length > 0) {
    throw new SolidityCompileError(`solc failed on ${sourceName}:\n${errors.map(e => e.formattedMessage).join('\n')}`)
  }
  const contract = output.contracts?.[sourceName]?.[contractName]
  if (contract === undefined) {
    throw new SolidityCompileError(`solc produced no contract ${contractName} in ${sourceName}`)
  }
  return {
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    warnings: problems.filter(e => e.severity === 'warning').map(e => e.formattedMessage)
  }
}

/** The package root: the nearest folder above this module with a package.json (works from src/ and dist/src/). */
function packageRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
  return dir
}

/** Where Vault.sol lives; it is not copied into dist/. */
export const vaultSourcePath = (): string => join(packageRoot(), 'src', 'settlement', 'vault', 'Vault.sol')

/** Where the generated artifact module goes. */
export const vaultArtifactPath = (): string => join(packageRoot(), 'src', 'settlement', 'vault', 'artifact.ts')

/** Compiles src/settlement/vault/Vault.sol; the same source always gives the same result. */
export function compileVault (): VaultBuild {
  const source = readFileSync(vaultSourcePath(), 'utf8')
  const { abi, bytecode, deployedBytecode, warnings } = compileSolidity('Vault.sol', source, 'Vault')
  if (warnings.length > 0) {
    throw new SolidityCompileError(`Vault.sol must compile without warnings:\n${warnings.join('\n')}`)
  }
  return {
    abi,
    bytecode,
    deployedBytecode,
    solcVersion: solc.version() as string,
    settings: solcSettings,
    sourceSha256: createHash('sha256').update(source).digest('hex')
  }
}

/** The text of artifact.ts for `build`. */
export function renderVaultArtifact (build: VaultBuild): string {
  return [
    '/**',
    ' * GENERATED FILE, do not edit. Made by `npm run build:vault`',
    ' * (node dist/src/settlement/vault/compile.js) from src/settlement/vault/Vault.sol',
    ` * with solc ${build.solcVersion}; test/vault-evm.test.ts checks it equals a fresh build.`,
    ' */',
    `export const vaultArtifact = ${JSON.stringify(build, null, 2)} as const`,
    ''
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = vaultArtifactPath()
  const build = compileVault()
  writeFileSync(path, renderVaultArtifact(build))
  console.log(`wrote ${relative(process.cwd(), path)}: solc ${build.solcVersion}, ${(build.deployedBytecode.length - 2) / 2} bytes of runtime code, source sha256 ${build.sourceSha256}`)
}
