import { AppError } from '../errors/index.js'
import type { ChainClient } from './chain.js'

const noChain = (): never => {
  throw new AppError('NO_CHAIN', 'settlement.chain is "none": cheques are signed, verified and kept, but nothing moves on chain (set settlement.chain to a tron config)')
}

/**
 * The embedded default: no chain. Cheques are signed, verified, stored and shown as uncashed;
 * balances are unknown and every on-chain operation answers NO_CHAIN.
 */
export class NoChainClient implements ChainClient {
  readonly kind = 'none' as const
  async check (): Promise<void> {}
  async balances (): Promise<Record<string, never>> { return {} }
  async deposit (): Promise<never> { return noChain() }
  async requestWithdrawal (): Promise<never> { return noChain() }
  async withdraw (): Promise<never> { return noChain() }
  async cash (): Promise<never> { return noChain() }
  async deployVault (): Promise<never> { return noChain() }
  async status (): Promise<never> { return noChain() }
  async paidOut (): Promise<undefined> { return undefined }
  async vaultIssuer (): Promise<undefined> { return undefined }
}
