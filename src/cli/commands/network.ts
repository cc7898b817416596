import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { toInt } from './files.js'

/** Env BTFS_TS_WALLET_PASSPHRASE (wallet.ts's passphraseEnv; not imported, so the CLI starts without loading the wallet). */
const passphraseEnv = 'BTFS_TS_WALLET_PASSPHRASE'

/** `peers`, `wallet [deposit|withdraw|deploy-vault|tx|passphrase]`, `settlement`, `cheque list|cash`, `hosts`, `host settings|shards|earnings|challenges`, `contracts`, `storage upload|status|ls|files|file`: they need the daemon. */
export function registerNetworkCommands (program: Command, ctx: CliContext): void {
  const show = (value: unknown): void => { ctx.print(JSON.stringify(value, null, 2)) }

  program.command('peers').description('connected libp2p peers')
    .action(async () => { show(await ctx.withCore(async core => await core.online('GET', '/peers'))) })
  const wallet = program.command('wallet').description("the node's TRON wallet: address, chain and balances (never the key)")
    .action(async () => { show(await ctx.withCore(async core => await core.online('GET', '/wallet'))) })
  wallet.command('deposit').description("move BTT from the wallet into this renter's vault (needs settlement.chain tron)")
    .argument('<amount>', 'BTT base units (1 BTT = 10^18)')
    .action(async (amount: string) => { show(await ctx.withCore(async core => await core.online('POST', '/wallet/deposit', { query: { amount } }))) })
  wallet.command('withdraw').description("ask for BTT back from the vault; take it with --complete once the vault's time lock is over")
    .argument('[amount]', 'BTT base units to ask for')
    .option('--complete', 'take the withdrawal asked for before')
    .action(async (amount: string | undefined, opts: { complete?: boolean }) => {
      show(await ctx.withCore(async core => await core.online('POST', '/wallet/withdraw', { query: { amount, complete: opts.complete === true ? true : undefined } })))
    })
  wallet.command('deploy-vault').description("(renter, on TRON) deploy this renter's vault (token from settlement.chain, this wallet as issuer); then set settlement.chain.vault to it and restart")
    .option('--lock <duration>', 'withdrawal time lock, e.g. 7d', '7d')
    .action(async (opts: { lock: string }) => { show(await ctx.withCore(async core => await core.online('POST', '/wallet/vault', { query: { lock: opts.lock } }))) })
  wallet.command('tx').description('a transaction of this wallet: pending, settled or failed')
    .argument('<txid>').argument('<kind>', 'deposit, withdraw, cash or deploy')
    .action(async (txid: string, kind: string) => { show(await ctx.withCore(async core => await core.online('GET', `/wallet/tx/${encodeURIComponent(txid)}`, { query: { kind } }))) })
  wallet.command('passphrase').description(`encrypt the wallet key with a new passphrase (scrypt + AES-256-GCM), asked twice without echo on a terminal, or the first two lines of standard input; an empty one removes it. The daemon must be stopped. An encrypted key is unlocked with env ${passphraseEnv}`)
    .action(async () => {
      const { changePassphrase } = await import('./wallet-passphrase.js')
      show(await changePassphrase(ctx.repoPath()))
    })
  program.command('settlement').description('per peer: what this renter owes and paid, what this host received and cashed')
    .action(async () => { show(await ctx.withCore(async core => await core.online('GET', '/settlement'))) })
  const cheque = program.command('cheque').description('BTT cheques')
  cheque.command('list').description('cheques received (host) and issued (renter)')
    .action(async () => { show(await ctx.withCore(async core => await core.online('GET', '/cheques'))) })
  cheque.command('cash').description('cash the latest cheque of each renter (or one) on chain: pending, then settled or failed')
    .argument('[renter]', "the renter's wallet address")
    .action(async (renter: string | undefined) => { show(await ctx.withCore(async core => await core.online('POST', '/cheques/cash', { query: { renter } }))) })
  program.command('hosts').description('hosts found on the network, with their signed ads')
    .option('--refresh', 'ask the network now')
    .action(async (opts: { refresh?: boolean }) => {
      show(await ctx.withCore(async core => await core.online('GET', '/hosts', { query: { refresh: opts.refresh === true ? true : undefined } })))
    })
  program.command('contracts').description('storage contracts')
    .option('--role <role>', 'renter or host')
    .action(async (opts: { role?: string }) => { show(await ctx.withCore(async core => await core.online('GET', '/contracts', { query: { role: opts.role } }))) })

  const host = program.command('host').description('host mode')
  host.command('settings').description('show host settings, or change them: btfs-ts host settings price=100000000000000000000 capacity=1099511627776')
    .argument('[changes...]', 'key=value pairs (enabled, price, capacity, minDuration, maxDuration, collateral, adTtl, reprovideInterval)')
    .action(async (changes: string[]) => {
      const body: Record<string, unknown> = {}
      for (const change of changes) {
        const at = change.indexOf('=')
        const key = change.slice(0, at)
        const raw = change.slice(at + 1)
        body[key] = key === 'price' || key === 'collateral' ? raw : raw === 'true' ? true : raw === 'false' ? false : Number(raw)
      }
      show(await ctx.withCore(async core => changes.length === 0 ? await core.online('GET', '/host/settings') : await core.online('PUT', '/host/settings', { json: body })))
    })

  host.command('shards').description('stored shards and their last self-check')
    .option('--check', 're-hash every stored shard now and wait for the result')
    .action(async (opts: { check?: boolean }) => {
      show(await ctx.withCore(async core => opts.check === true ? await core.online('POST', '/host/shards/check') : await core.online('GET', '/host/shards')))
    })
  host.command('earnings').description('BTT received in cheques, by day and by contract')
    .action(async () => { show(await ctx.withCore(async core => await core.online('GET', '/host/earnings'))) })
  host.command('challenges').description('storage challenges received, newest first')
    .option('--limit <n>', 'at most this many', toInt)
    .action(async (opts: { limit?: number }) => { show(await ctx.withCore(async core => await core.online('GET', '/host/challenges', { query: { limit: opts.limit } }))) })

  const storage = program.command('storage').description('upload stored files to hosts')
  storage.command('upload').description('upload a stored file as encrypted, erasure-coded shards; prints the session id')
    .argument('<cid>', 'a file in the local store')
    .option('--k <n>', 'data shards', toInt)
    .option('--m <n>', 'parity shards', toInt)
    .option('--duration <days>', 'contract duration in days', toInt)
    .option('--max-price <base units>', 'highest price per GiB-month, BTT base units')
    .action(async (cid: string, opts: { k?: number, m?: number, duration?: number, maxPrice?: string }) => {
      const { id } = await ctx.withCore(async core => await core.online<{ id: string }>('POST', '/storage/upload', { query: { arg: cid, k: opts.k, m: opts.m, duration: opts.duration, 'max-price': opts.maxPrice } }))
      ctx.print(id)
    })
  storage.command('status').description('an upload session, per shard').argument('<id>')
    .action(async (id: string) => { show(await ctx.withCore(async core => await core.online('GET', `/storage/upload/${encodeURIComponent(id)}`))) })
  storage.command('ls').description('upload sessions')
    .action(async () => { show(await ctx.withCore(async core => await core.online('GET', '/storage/uploads'))) })
  storage.command('files').description('uploaded files and their health')
    .action(async () => { show(await ctx.withCore(async core => await core.online('GET', '/storage/files'))) })
  storage.command('file').description('one uploaded file: health, proofs per shard, contracts, repairs').argument('<cid>')
    .action(async (cid: string) => { show(await ctx.withCore(async core => await core.online('GET', `/storage/files/${encodeURIComponent(cid)}`))) })
}
