/**
 * Where cheques turn into tokens. A renter's cheques are cumulative, TIP-712-signed promises
 * drawn on its vault; a ChainClient is what a node uses to put BTT into that vault, take it back
 * after the time lock, and cash a host's cheques. Two kinds:
 *
 * - `none` (the embedded default): no chain. Cheques are signed, verified, stored and shown as
 *   uncashed; every on-chain operation answers NO_CHAIN. `npm start` needs nothing.
 * - `tron`: tronweb against a TRON full node (`settlement.chain.fullHost`), the vault contract
 *   of src/settlement/vault and the BTT TRC-20 token.
 *
 * Amounts are bigint BTT base units (1 BTT = 10^18); addresses are TRON base58 (T…).
 */

/** A cumulative cheque: `issuer` promises `beneficiary` a total of `cumulativePayout` from `vault`. */
export interface Cheque {
  vault: string
  beneficiary: string
  /** Decimal string of BTT base units (bigint on the wire as a string). */
  cumulativePayout: string
  /** TIP-712 signature of Cheque(vault, beneficiary, cumulativePayout) by the vault's issuer. */
  signature: string
}

/** What a node's own wallet holds, as the chain reports it; `undefined` fields are unknown (no chain). */
export interface Balances {
  /** TRX in sun (10^-6 TRX), pays the transaction fees. */
  trx?: string
  /** BTT base units held by the wallet. */
  btt?: string
  /** The renter's vault, when one is configured. */
  vault?: VaultState
}

export interface VaultState {
  address: string
  issuer: string
  /** BTT base units the vault holds. */
  balance: string
  /** A withdrawal the issuer requested: possible from `after` (unix seconds). */
  withdrawal?: { amount: string, after: number }
}

/**
 * A transaction's life: `pending` after broadcast; `settled` only when the transaction info shows
 * SUCCESS and the expected event log; `failed` with the decoded reason otherwise. A cash-out
 * that paid less than asked (an underfunded vault) is settled with `bounced` set.
 */
export interface TxStatus {
  txid: string
  state: 'pending' | 'settled' | 'failed'
  /** For a failed transaction: the decoded revert reason or the receipt's result. */
  reason?: string
  /** For a cash-out: base units actually moved to the beneficiary. */
  paid?: string
  /** For a cash-out: base units the vault could not pay. */
  bounced?: string
  /** Fee burnt, in sun. */
  fee?: string
}

export interface ChainClient {
  readonly kind: 'none' | 'tron'
  /**
   * Startup checks; throws an AppError with a clear message when the chain is unusable (vault
   * contract missing, domain separator not ours, token decimals ≠ 18, too little TRX for the fee
   * limit). `none` has nothing to check.
   */
  check: () => Promise<void>
  /** The wallet's balances and, for a renter, its vault. */
  balances: (address: string) => Promise<Balances>
  /** Renter: moves `amount` BTT from the wallet into its vault (approve + deposit). */
  deposit: (amount: bigint) => Promise<TxStatus>
  /** Renter: asks for `amount` back; it can be taken after the vault's time lock. */
  requestWithdrawal: (amount: bigint) => Promise<TxStatus>
  /** Renter: takes a requested withdrawal whose time lock is over. */
  withdraw: () => Promise<TxStatus>
  /** Host: cashes `cheque` (the vault pays cumulativePayout minus what it paid before). */
  cash: (cheque: Cheque) => Promise<TxStatus>
  /**
   * Renter: deploys its vault (src/settlement/vault) for the configured token, with this wallet as
   * issuer, the configured chainId and a withdrawal time lock of `withdrawLockSeconds`. `pending`
   * after broadcast, with `vault` (base58) already known from the transaction; `status(txid,
   * 'deploy')` is settled once the creation succeeded and the contract exists.
   */
  deployVault: (withdrawLockSeconds: number) => Promise<TxStatus & { vault?: string }>
  /** Re-reads a transaction: pending until the chain has its info. */
  status: (txid: string, kind: 'cash' | 'deposit' | 'withdraw' | 'deploy') => Promise<TxStatus>
  /** The BTT base units `vault` already paid `beneficiary` (what a new cheque must exceed to cash). */
  paidOut: (vault: string, beneficiary: string) => Promise<bigint | undefined>
  /** Who may sign cheques on `vault` (its issuer), or undefined where no chain can tell. */
  vaultIssuer: (vault: string) => Promise<string | undefined>
}
