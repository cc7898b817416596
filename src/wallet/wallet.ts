import { createCipheriv, createDecipheriv, createECDH, randomBytes, scrypt } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import { AppError } from '../errors/index.js'
import { writeFileAtomic } from '../repo/identity.js'
import { tronAddressOfPublicKey } from './address.js'

/** A TIP-712 (EIP-712) domain, types and value, as tronweb takes them. */
export interface TypedData {
  domain: { name: string, version: string, chainId: number, verifyingContract?: string }
  types: Record<string, Array<{ name: string, type: string }>>
  value: Record<string, unknown>
}

export type TronWebModule = typeof import('tronweb')

let tronweb: Promise<TronWebModule> | undefined

/** tronweb costs ~0.9 s to import: load it on first use only (the wallet and the TRON chain client share it). */
export async function loadTronWeb (): Promise<TronWebModule> {
  tronweb ??= import('tronweb')
  return await tronweb
}

/** The environment variable that holds the wallet key's passphrase. */
export const passphraseEnv = 'BTFS_TS_WALLET_PASSPHRASE'

/** scrypt N = 2^17, r = 8, p = 1 for new seals (OWASP's minimum for scrypt): 128 MiB and about 0.5 s per unlock. */
export const scryptParams = { N: 1 << 17, r: 8, p: 1 }

/**
 * The most memory a key file may make scrypt use (128 · N · r bytes): files sealed by older
 * versions (N = 2^15) and ours open, while a crafted file asking for gigabytes is refused
 * before any work.
 */
const maxScryptMemory = 256 * 1024 * 1024

const Hex = (bytes: number): ReturnType<typeof Type.String> => Type.String({ pattern: `^[0-9a-f]{${bytes * 2}}$` })

/** An encrypted key file: scrypt(passphrase) → AES-256-GCM of the 32-byte key; the address in clear. */
const SealedKeySchema = Type.Object({
  btfsWalletKey: Type.Literal(1),
  address: Type.String({ maxLength: 64 }),
  kdf: Type.Object({
    name: Type.Literal('scrypt'),
    N: Type.Integer({ minimum: 1024, maximum: 1 << 20 }),
    r: Type.Integer({ minimum: 1, maximum: 32 }),
    p: Type.Integer({ minimum: 1, maximum: 16 }),
    salt: Type.String({ pattern: '^([0-9a-f]{2}){16,64}$' })
  }),
  cipher: Type.Object({ name: Type.Literal('aes-256-gcm'), nonce: Hex(12), tag: Hex(16) }),
  ciphertext: Hex(32)
})
type SealedKey = Static<typeof SealedKeySchema>

/** True for scrypt parameters this version derives with: N a power of two, bounded memory and work. */
function acceptableKdf ({ N, r, p }: { N: number, r: number, p: number }): boolean {
  return (N & (N - 1)) === 0 && 128 * N * r <= maxScryptMemory && p * r <= 64
}

async function deriveKey (passphrase: string, salt: Buffer, params: { N: number, r: number, p: number }): Promise<Buffer> {
  return await new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, 32, { ...params, maxmem: 128 * params.N * params.r + 1024 * 1024 }, (err, key) => { if (err !== null) reject(err); else resolve(key) })
  })
}

async function seal (key: Buffer, passphrase: string): Promise<string> {
  const salt = randomBytes(32)
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt, scryptParams), nonce)
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final()])
  const sealed: SealedKey = {
    btfsWalletKey: 1,
    address: tronAddress(key),
    kdf: { name: 'scrypt', ...scryptParams, salt: salt.toString('hex') },
    cipher: { name: 'aes-256-gcm', nonce: nonce.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
    ciphertext: ciphertext.toString('hex')
  }
  return JSON.stringify(sealed, null, 2) + '\n'
}

async function unseal (sealed: SealedKey, passphrase: string | undefined, path: string): Promise<string> {
  if (passphrase === undefined || passphrase === '') throw new AppError('WALLET_LOCKED', `${path} is encrypted: set ${passphraseEnv} to its passphrase`)
  const { N, r, p, salt } = sealed.kdf
  const decipher = createDecipheriv('aes-256-gcm', await deriveKey(passphrase, Buffer.from(salt, 'hex'), { N, r, p }), Buffer.from(sealed.cipher.nonce, 'hex'))
  decipher.setAuthTag(Buffer.from(sealed.cipher.tag, 'hex'))
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'hex')), decipher.final()]).toString('hex')
  } catch {
    throw new AppError('WALLET_LOCKED', `${passphraseEnv} is not the passphrase of ${path}`)
  }
}

/**
 * Writes a fresh secp256k1 private key (TRON's curve) to `path`, mode 0600: as hex, or sealed
 * with `passphrase` (scrypt + AES-256-GCM) when one is given (default: env
 * BTFS_TS_WALLET_PASSPHRASE). The scalar comes from the OS CSPRNG and is checked to be a valid
 * key by OpenSSL, as tronweb's own generateAccount does with its random bytes.
 */
export async function createWalletKey (path: string, passphrase = process.env[passphraseEnv]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  let key: Buffer
  for (;;) {
    key = randomBytes(32)
    try { createECDH('secp256k1').setPrivateKey(key); break } catch {}
  }
  await writeFileAtomic(path, passphrase !== undefined && passphrase !== '' ? await seal(key, passphrase) : key.toString('hex') + '\n', 0o600)
}

/**
 * Seals the key file at `path` with `passphrase`, or opens it for good when `passphrase` is
 * empty; `current` unlocks a sealed file first. Rewritten atomically, mode 0600.
 */
export async function rekeyWalletFile (path: string, passphrase: string, current = process.env[passphraseEnv]): Promise<{ address: string, encrypted: boolean }> {
  const hex = await readKeyFile(path, current)
  const key = Buffer.from(hex, 'hex')
  await writeFileAtomic(path, passphrase !== '' ? await seal(key, passphrase) : hex + '\n', 0o600)
  return { address: tronAddress(key), encrypted: passphrase !== '' }
}

/** The hex key in `path`, unsealed with `passphrase` if the file is encrypted. */
async function readKeyFile (path: string, passphrase: string | undefined): Promise<string> {
  const text = (await readFile(path, 'utf8')).trim()
  if (!text.startsWith('{')) return text
  let sealed: unknown
  try {
    sealed = JSON.parse(text)
  } catch {
    throw new AppError('REPO_INVALID', `${path} is not a wallet key file`)
  }
  if (!Value.Check(SealedKeySchema, sealed)) throw new AppError('REPO_INVALID', `${path} is not a wallet key file this version reads`)
  if (!acceptableKdf(sealed.kdf)) throw new AppError('REPO_INVALID', `${path} asks for scrypt parameters this version refuses (N=${sealed.kdf.N}, r=${sealed.kdf.r}, p=${sealed.kdf.p}: N must be a power of two and 128·N·r at most ${maxScryptMemory / 1048576} MiB)`)
  return await unseal(sealed, passphrase, path)
}

/** The TRON address of a secp256k1 private key (see tronAddressOfPublicKey). */
export function tronAddress (privateKey: Uint8Array): string {
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(privateKey)
  return tronAddressOfPublicKey(ecdh.getPublicKey())
}

/**
 * The node's TRON wallet: a secp256k1 key kept in the repo keystore (keystore/wallet.key),
 * apart from the libp2p identity. It signs host ads, contracts and (later) cheques with
 * TIP-712 typed data, so an EVM-style contract on TRON can verify them. The private key is held
 * in a private field and never serialized: only the address leaves this object.
 */
export class Wallet {
  readonly address: string
  readonly #privateKey: string
  #tron?: TronWebModule

  private constructor (privateKey: string, address: string) {
    this.#privateKey = privateKey
    this.address = address
  }

  /**
   * Loads keystore/wallet.key (unsealing it with `passphrase`, default env
   * BTFS_TS_WALLET_PASSPHRASE, when it is encrypted), creating it first for a repo made before
   * wallets existed.
   */
  static async open (path: string, passphrase = process.env[passphraseEnv]): Promise<Wallet> {
    let hex: string
    try {
      hex = await readKeyFile(path, passphrase)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      await createWalletKey(path, passphrase)
      hex = await readKeyFile(path, passphrase)
    }
    if (!/^[0-9a-f]{64}$/i.test(hex)) throw new AppError('REPO_INVALID', `${path} is not a 32-byte hex wallet key`)
    let address: string
    try {
      address = tronAddress(Buffer.from(hex, 'hex'))
    } catch {
      throw new AppError('REPO_INVALID', `${path} is not a valid secp256k1 key`)
    }
    return new Wallet(hex, address)
  }

  /** Signs typed data (TIP-712); returns the 65-byte signature as 0x-hex. Loads tronweb on first use. */
  async signTyped (data: TypedData): Promise<string> {
    this.#tron ??= await loadTronWeb()
    return this.#tron.Trx.signTypedData(data.domain, data.types, data.value, this.#privateKey)
  }

  /**
   * Signs a TRON transaction (as tronweb's transactionBuilder returns it): adds the signature
   * over its txID and returns it. The chain client gets this method, never the key.
   */
  async signTransaction<T extends { txID: string }> (transaction: T): Promise<T & { signature: string[] }> {
    this.#tron ??= await loadTronWeb()
    const signed: unknown = this.#tron.utils.crypto.signTransaction(this.#privateKey, transaction as unknown as Parameters<TronWebModule['utils']['crypto']['signTransaction']>[1])
    return signed as T & { signature: string[] }
  }

  /** Keeps the key out of JSON, util.inspect and pino. */
  toJSON (): { address: string } {
    return { address: this.address }
  }

  [Symbol.for('nodejs.util.inspect.custom')] (): string {
    return `Wallet(${this.address})`
  }
}

/** True when `signature` is `signer`'s TIP-712 signature of `data`. Never throws. */
export async function verifyTyped (data: TypedData, signature: string, signer: string): Promise<boolean> {
  const tron = await loadTronWeb()
  try {
    return tron.Trx.verifyTypedData(data.domain, data.types, data.value, signature, signer)
  } catch {
    return false
  }
}

/** True when `address` is a valid TRON base58 address. */
export async function isTronAddress (address: string): Promise<boolean> {
  const tron = await loadTronWeb()
  return tron.TronWeb.isAddress(address) && address.startsWith('T')
}
