import { createHash } from 'node:crypto'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { base58btc } from 'multiformats/bases/base58'

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest()

/** base58check (Bitcoin alphabet, 4-byte double-SHA-256 checksum): tronweb's getBase58CheckAddress. */
export function base58Check (bytes: Uint8Array): string {
  return base58btc.baseEncode(Buffer.concat([bytes, sha256(sha256(bytes)).subarray(0, 4)]))
}

/**
 * The TRON address of an uncompressed secp256k1 public key (0x04 ‖ x ‖ y): 0x41 ‖ the last 20
 * bytes of keccak-256(x ‖ y), in base58check. Computed without tronweb (~50 MB to load); tests
 * check it against tronweb.
 */
export function tronAddressOfPublicKey (uncompressed: Uint8Array): string {
  const body = new Uint8Array(21)
  body[0] = 0x41
  body.set(keccak_256(uncompressed.subarray(1)).subarray(12), 1)
  return base58Check(body)
}
