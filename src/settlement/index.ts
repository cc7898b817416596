import type { Config } from '../config/index.js'
import type { Logger } from '../logger.js'
import type { Wallet } from '../wallet/wallet.js'
import type { ChainClient } from './chain.js'
import { NoChainClient } from './none.js'

export type { Balances, ChainClient, Cheque, TxStatus, VaultState } from './chain.js'
export { chequeTypedData, periodAmount, type PaidPeriod } from './cheque.js'
export { Payer, type Payable } from './payer.js'
export { ChequeReceiver, ChequeRejection, type Receivable } from './receiver.js'

/** The chain client settlement.chain names; tronweb is loaded only for `tron`. */
export async function chainClient (config: Config, wallet: Wallet, logger: Logger): Promise<ChainClient> {
  const chain = config.settlement.chain
  if (chain.kind === 'none') return new NoChainClient()
  const { TronChainClient } = await import('./tron.js')
  const apiKey = process.env.BTFS_TS_TRON_API_KEY ?? chain.apiKey
  return new TronChainClient({
    fullHost: chain.fullHost, token: chain.token, chainId: config.wallet.chainId, wallet, logger,
    ...(apiKey !== undefined ? { apiKey } : {}), ...(chain.vault !== undefined ? { vault: chain.vault } : {}), ...(chain.feeLimit !== undefined ? { feeLimit: chain.feeLimit } : {})
  })
}
