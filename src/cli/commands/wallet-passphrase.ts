import { acquireLock } from '../../repo/lock.js'
import { repoPaths } from '../../repo/paths.js'
import { Repo } from '../../repo/repo.js'
import { AppError, isAppError } from '../../errors/index.js'
import { rekeyWalletFile } from '../../wallet/wallet.js'
import { readNewPassphrase } from '../passphrase.js'

/**
 * `btfs-ts wallet passphrase`: re-seals the repo's wallet key with a new passphrase (the
 * current one, if any, from env BTFS_TS_WALLET_PASSPHRASE). It takes the repo lock first, so a
 * running daemon (which holds the key) is never changed under it: the user stops it first.
 */
export async function changePassphrase (repoPath: string): Promise<{ address: string, encrypted: boolean }> {
  const paths = repoPaths(repoPath)
  if (!Repo.isInitialized(repoPath)) throw new AppError('REPO_INVALID', `no btfs-ts repo at ${repoPath}: run "btfs-ts init" first`)
  let lock
  try {
    lock = await acquireLock(repoPath, paths.lock, 'wallet passphrase')
  } catch (err) {
    if (!isAppError(err, 'REPO_LOCKED')) throw err
    const pid = err.details?.pid
    throw new AppError('REPO_LOCKED', `the repo ${repoPath} is in use by ${pid !== undefined ? `process ${String(pid)} (a running daemon?)` : 'another process'}: stop it first, then change the passphrase`, { details: err.details ?? {} })
  }
  try {
    const passphrase = await readNewPassphrase({ input: process.stdin, prompt: process.stderr })
    return await rekeyWalletFile(paths.walletKey, passphrase)
  } finally {
    await lock.release()
  }
}
