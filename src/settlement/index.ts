import type { Config } from '../config/index.js'
import { AppError } from '../errors/index.js'
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
  void wallet
  void logger
  throw new AppError('CONFIG_INVALID', `settlement.chain.kind ${chain.kind} is not supported by this build`)
}
