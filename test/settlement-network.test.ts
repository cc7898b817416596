import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { utils } from 'tronweb'
import { compileTestBtt } from './helpers/contracts.js'
import { startTronDouble } from './helpers/tron-double.js'
import type { Config } from '../src/config/index.js'
import { runCli } from './helpers/daemon.js'
import { initRepo, startNetNode, uploadFinished, type DeepPartial, type NetNode } from './helpers/network.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'
import { silentLogger } from '../src/logger.js'
import { Libp2pNetwork } from '../src/network/network.js'
import { sendCheque } from '../src/network/protocols/cheque.js'
import { AppError } from '../src/errors/index.js'
import { chequeTypedData, type Cheque, type PaidPeriod } from '../src/settlement/index.js'
import { createWalletKey, Wallet } from '../src/wallet/wallet.js'

t.setTimeout(180000)

interface FileView { shards: Array<{ index: number, host: string, contract: string, state: string, passes: number, failures: number, provenMs: number, lastProven?: number, lastChallenge?: { at?: number, verdict: string } }> }
interface Earnings { total: string, days: Array<{ day: string, amount: string }>, contracts: Array<{ contractId: string, provenMs: number, amount: string, periods: number, paidUntil: number }> }
interface Settlement {
  chain: string
  payables: Array<{ host: string, beneficiary: string, owed: string, acknowledged: string, lastCheque?: { cheque: Cheque, periods: PaidPeriod[], delivered: boolean } }>
  receivables: Array<{ renter: string, vault: string, received: string, cashed: string, uncashed: string, lastCheque: Cheque, overdue: boolean, cashouts: Array<{ state: string, paid?: string }> }>
}
interface Terms { id: string, price: string, shardSize: number, start: number, host: string }

/** price (per GiB-month) × size × proven time, in base units: what the issue says a host is owed. */
const owed = (terms: Terms, provenMs: number): bigint => BigInt(terms.price) * BigInt(terms.shardSize) * BigInt(provenMs) / ((1n << 30n) * 30n * 86_400_000n)

const BTT = 10n ** 18n
const erc20 = new utils.ethersUtils.Interface(['function mint(address,uint256)', 'function balanceOf(address) view returns (uint256)'])

t.test('hosts are paid for proven periods only, by cumulative cheques they check, and cash them on TRON', async t => {
  // The chain: a TRON HTTP API double (test/helpers) running test-BTT and the renter's vault on an EVM.
  const double = await startTronDouble()
  t.teardown(async () => { await double.stop() })
  const minter = utils.accounts.generateAccount().address.base58
  const token = await double.deploy(minter, compileTestBtt().bytecode, { name: 'TestBTT' })
  const balanceOf = async (who: string): Promise<bigint> => BigInt((await double.evm.staticCall(double.evmAddress(minter), double.evmAddress(token), erc20.encodeFunctionData('balanceOf', [double.evmAddress(who)]))).returnData)

  // Repos made first: the renter's vault names its wallet, and every wallet needs TRX for fees.
  const makeRepo = async (config: DeepPartial<Config>): Promise<{ repo: string, address: string }> => {
    const made = await initRepo(t, config)
    double.setTrx(made.address, 5000n * 1_000_000n)
    return made
  }
  const tron = { kind: 'tron' as const, fullHost: double.url, token }
  // host 0 settles on no chain (the default); hosts 1 and 2 on TRON
  const hostRepos = [await makeRepo({}), await makeRepo({ settlement: { chain: tron, grace: '1d' } }), await makeRepo({ settlement: { chain: tron, grace: '1d' } })]
  const renterRepo = await makeRepo({ proofs: { interval: '1s', timeout: '10s', leaves: 8, maxFailures: 3 }, storage: { repairThreshold: 1 }, settlement: { chain: tron, grace: '1d' } })
  await double.evm.call(double.evmAddress(minter), double.evmAddress(token), erc20.encodeFunctionData('mint', [double.evmAddress(renterRepo.address), 100n * BTT]))

  const first = await startNetNode(t, { repo: hostRepos[0]?.repo as string, args: ['--host'] })
  const hosts = [first, ...await Promise.all(hostRepos.slice(1).map(async r => await startNetNode(t, { repo: r.repo, args: ['--host'], bootstrap: first })))]
  const renter = await startNetNode(t, { repo: renterRepo.repo, bootstrap: first })

  // The renter deploys its vault, names it in its config and restarts.
  const deployed = await runCli(['--repo', renterRepo.repo, 'wallet', 'deploy-vault', '--lock', '1h'])
  t.equal(deployed.code, 0, deployed.stderr)
  const { txid, vault, state } = JSON.parse(deployed.stdout) as { txid: string, vault: string, state: string }
  t.equal(state, 'pending', 'btfs-ts wallet deploy-vault: pending, with the vault address')
  await waitFor('the vault deployment to settle', async () => {
    const tx = await runCli(['--repo', renterRepo.repo, 'wallet', 'tx', txid, 'deploy'])
    return (JSON.parse(tx.stdout) as { state: string }).state === 'settled'
  }, 60000)
  const set = await runCli(['--repo', renterRepo.repo, 'config', 'set', 'settlement.chain.vault', vault])
  t.equal(set.code, 0, set.stderr)
  await renter.stop()
  Object.assign(renter, await startNetNode(t, { repo: renterRepo.repo, bootstrap: first }))
  await waitFor('the renter to discover 3 hosts', async () => (await renter.api<{ hosts: unknown[] }>('/hosts?refresh=true')).hosts.length === 3, 60000)

  // The renter funds its vault: approve + deposit, pending, then seen on chain.
  const deposit = await runCli(['--repo', renterRepo.repo, 'wallet', 'deposit', String(50n * BTT)])
  t.equal(deposit.code, 0, deposit.stderr)
  t.match(JSON.parse(deposit.stdout), { state: 'pending' }, 'btfs-ts wallet deposit broadcasts the deposit')
  await waitFor('the deposit to reach the vault', async () => (await renter.api<{ balances: { vault?: { balance: string } } }>('/wallet')).balances.vault?.balance === String(50n * BTT), 60000)
  t.match(await renter.api('/wallet'), { address: renterRepo.address, chain: 'tron', vault, balances: { btt: String(50n * BTT), vault: { address: vault, issuer: renterRepo.address } } }, 'GET /wallet shows the wallet, its BTT and its vault')

  const byPeer = new Map(hosts.map(h => [h.peerId, h]))
  const data = pseudoRandomBytes(3 * 1024 * 1024 + 7, 61)
  const { cid } = await renter.api<{ cid: string }>('/add', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
  const { id } = await renter.api<{ id: string }>(`/storage/upload?arg=${cid}&k=1&m=2`, { method: 'POST' })
  t.equal((await uploadFinished(renter, id)).state, 'complete', 'uploaded')
  const { contracts } = await renter.api<{ contracts: Array<Terms & { shardCid: string }> }>('/contracts?role=renter')
  const termsOf = (contractId: string): Terms => contracts.find(x => x.id === contractId) as Terms

  await waitFor('every host to pass 4 rounds', async () => {
    const view = await renter.api<FileView>(`/storage/files/${cid}`)
    return view.shards.every(s => s.passes >= 4)
  }, 60000)

  // The second host loses its shard: its rounds fail from now on.
  const before = await renter.api<FileView>(`/storage/files/${cid}`)
  const victim = before.shards[1] as FileView['shards'][number]
  const loser = byPeer.get(victim.host) as NetNode
  await rm(join(loser.repo, 'shards', contracts.find(c => c.id === victim.contract)?.shardCid ?? ''))
  await waitFor('the lost shard\'s contract to fail', async () => {
    const view = await renter.api<FileView>(`/storage/files/${cid}`)
    return view.shards.find(s => s.contract === victim.contract)?.state === 'failed'
  }, 60000)

  // For each contract, a moment when every cheque sent for it has been credited: the host's books
  // against the renter's proof history (one contract at a time: rounds keep coming).
  let view: FileView | undefined
  const books = new Map<string, Earnings>()
  const settled = async (): Promise<void> => {
    const shards: FileView['shards'] = []
    for (const { contract, host } of (await renter.api<FileView>(`/storage/files/${cid}`)).shards) {
      await waitFor(`the host of ${contract} to have credited every proven period`, async () => {
        const shard = (await renter.api<FileView>(`/storage/files/${cid}`)).shards.find(s => s.contract === contract)
        const book = await (byPeer.get(host) as NetNode).api<Earnings>('/host/earnings')
        const again = (await renter.api<FileView>(`/storage/files/${cid}`)).shards.find(s => s.contract === contract)
        if (shard === undefined || again?.provenMs !== shard.provenMs || book.contracts.find(c => c.contractId === contract)?.provenMs !== shard.provenMs) return false
        shards.push(shard)
        books.set(host, book)
        return true
      }, 60000)
    }
    view = { shards }
  }
  await settled()
  for (const shard of (view as FileView).shards) {
    const terms = termsOf(shard.contract)
    const book = books.get(shard.host) as Earnings
    const paid = book.contracts.find(c => c.contractId === shard.contract)
    t.equal(paid?.amount, owed(terms, shard.provenMs).toString(), `shard ${shard.index}: paid price × size × proven time (${shard.provenMs} ms)`)
    t.equal(book.total, paid?.amount, 'and that is all the host earned')
    if (shard.contract === victim.contract) {
      const provenTo = (shard.lastProven ?? 0) - terms.start * 1000
      const upTo = (shard.lastChallenge?.at ?? 0) - terms.start * 1000
      t.equal(shard.provenMs, provenTo, 'the failing host is paid up to its last passed round')
      t.ok(upTo > provenTo && shard.failures >= 3, `and not for the ${shard.failures} failed rounds after it (${upTo - provenTo} ms unpaid)`)
      t.ok(BigInt(paid?.amount ?? 0) < owed(terms, upTo), 'its pay is below what the whole time would earn')
    } else {
      t.equal(shard.failures, 0)
      t.equal(shard.provenMs, (shard.lastProven ?? 0) - terms.start * 1000, 'an honest host is paid for the whole time up to its last round')
    }
  }

  // The cheques behind it: cumulative, signed by the renter, the same total on both sides.
  const noChainHost = first
  const honestHost = byPeer.get((view as FileView).shards.find(s => s.contract !== victim.contract && s.host !== noChainHost.peerId)?.host as string) as NetNode
  const renterWallet = await Wallet.open(join(renter.repo, 'keystore', 'wallet.key'))
  let hostBooks: Settlement | undefined
  let renterBooks: Settlement | undefined
  await waitFor("the host's and the renter's books to meet between two rounds", async () => {
    renterBooks = await renter.api<Settlement>('/settlement')
    hostBooks = await honestHost.api<Settlement>('/settlement')
    const again = await renter.api<Settlement>('/settlement')
    const acknowledged = (books: Settlement | undefined): string | undefined => books?.payables.find(p => p.host === honestHost.peerId)?.acknowledged
    return acknowledged(again) === acknowledged(renterBooks) && acknowledged(renterBooks) === hostBooks.receivables.find(r => r.renter === renterWallet.address)?.received
  }, 30000)
  const rec = hostBooks?.receivables.find(r => r.renter === renterWallet.address)
  t.ok(rec !== undefined && BigInt(rec.received) > 0n, 'the host holds a cheque from the renter')
  t.equal(rec?.lastCheque.cumulativePayout, rec?.received, 'its total is what was received')
  t.equal(rec?.cashed, '0', 'not cashed yet')
  t.equal(rec?.vault, vault, "drawn on the renter's vault")
  const cli = await runCli(['--repo', honestHost.repo, 'cheque', 'list'])
  t.equal(cli.code, 0, cli.stderr)
  t.match(JSON.parse(cli.stdout), { received: [{ renter: renterWallet.address }] }, 'btfs-ts cheque list shows it')
  const wallet = await runCli(['--repo', renter.repo, 'wallet'])
  t.match(JSON.parse(wallet.stdout), { address: renterWallet.address, chain: 'tron', vault }, 'btfs-ts wallet shows the address, never the key')
  t.notMatch(wallet.stdout, /privateKey|[0-9a-f]{64}/i)
  const noChainBooks = await noChainHost.api<Settlement>('/settlement')
  t.equal(noChainBooks.chain, 'none')
  if (noChainBooks.receivables.length > 0) {
    const cash = await runCli(['--repo', noChainHost.repo, 'cheque', 'cash'])
    t.not(cash.code, 0, 'a host without a chain cannot cash')
    t.match(cash.stderr, /settlement\.chain/, 'and says so')
  }

  // Cash-out on TRON: pending, then settled when the chain shows it; the test-BTT moves to the host.
  const hostAddress = (await honestHost.api<{ address: string }>('/wallet')).address
  const cashed = await runCli(['--repo', honestHost.repo, 'cheque', 'cash', renterWallet.address])
  t.equal(cashed.code, 0, cashed.stderr)
  const out = JSON.parse(cashed.stdout) as { cashouts: Array<{ state: string, txid: string, cumulativePayout: string }> }
  const cumulative = out.cashouts[0]?.cumulativePayout ?? ''
  t.match(out.cashouts, [{ state: 'pending' }], 'btfs-ts cheque cash: pending after broadcast')
  t.ok(BigInt(cumulative) >= BigInt(rec?.received ?? 0), "it cashes the renter's latest cheque")
  let settledBooks: Settlement | undefined
  await waitFor('the cash-out to settle', async () => {
    settledBooks = await honestHost.api<Settlement>('/settlement')
    return settledBooks.receivables.some(r => r.cashouts.some(c => c.state === 'settled'))
  }, 60000)
  const done = settledBooks?.receivables.find(r => r.renter === renterWallet.address)
  t.match(done?.cashouts[0], { state: 'settled', paid: cumulative }, 'settled: the vault paid the whole cheque')
  t.equal(done?.cashed, cumulative, 'the books count it as cashed')
  t.equal(await balanceOf(hostAddress), BigInt(cumulative), "the host's wallet holds the test-BTT on chain")
  t.equal(await balanceOf(vault), 50n * BTT - BigInt(cumulative), 'taken from the vault')

  // Bad cheques, sent as any peer could send them: each is refused and credits nothing.
  const payable = renterBooks?.payables.find(p => p.host === honestHost.peerId)
  t.equal(payable?.acknowledged, rec?.received, "the renter's books agree")
  const last = payable?.lastCheque as { cheque: Cheque, periods: PaidPeriod[] }
  const dir = await mkdtemp(join(tmpdir(), 'btfs-ts-stranger-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await createWalletKey(join(dir, 'wallet.key'))
  const stranger = await Wallet.open(join(dir, 'wallet.key'))
  const peer = await Libp2pNetwork.start({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], announce: [], bootstrap: [], protocolPrefix: '/btfs-ts', logger: silentLogger() })
  t.teardown(async () => { await peer.stop() })
  const send = async (cheque: Cheque, periods: PaidPeriod[], to: NetNode = honestHost): Promise<{ ok?: boolean, code?: string, message?: string }> => {
    await peer.connect(to.addr)
    try {
      await sendCheque(peer, to.peerId, cheque, periods, { signal: AbortSignal.timeout(10000) })
      return { ok: true }
    } catch (err) {
      if (err instanceof AppError && err.code === 'PEER_REJECTED') return { ok: false, code: String(err.details?.code), message: err.message }
      throw err
    }
  }
  const signed = async (signer: Wallet, value: Omit<Cheque, 'signature'>): Promise<Cheque> => ({ ...value, signature: await signer.signTyped(chequeTypedData(value, 728126428)) })
  const total = BigInt(rec?.received ?? 0)
  const unsigned = { vault, beneficiary: last.cheque.beneficiary }
  t.match(await send(last.cheque, last.periods), { ok: false, code: 'NOT_INCREASING' }, 'a replayed cheque is refused')
  t.match(await send(await signed(renterWallet, { ...unsigned, cumulativePayout: (total - 1n).toString() }), last.periods), { ok: false, code: 'NOT_INCREASING' }, 'a lowered cheque is refused')
  t.match(await send(await signed(stranger, { ...unsigned, cumulativePayout: (total + 1000n).toString() }), last.periods), { ok: false, code: 'BAD_SIGNATURE' }, 'a forged cheque is refused')
  const other = contracts.map(c => c.host).find(h => h !== unsigned.beneficiary) as string
  t.match(await send(await signed(renterWallet, { ...unsigned, beneficiary: other, cumulativePayout: (total + 1000n).toString() }), last.periods), { ok: false, code: 'WRONG_BENEFICIARY' }, 'a cheque for another host is refused')
  t.match(await send(await signed(renterWallet, { ...unsigned, cumulativePayout: (total + 10n ** 18n).toString() }), last.periods), { ok: false, code: 'NOT_CONTIGUOUS' }, 'a cheque paying periods already paid is refused')
  // A round the host never answered, on the contract that failed (no rounds run on it any more):
  // its term is covered up to its last round; a period from there is refused for want of an answer.
  const lastRound = (await renter.api<FileView>(`/storage/files/${cid}`)).shards.find(s => s.contract === victim.contract)?.lastChallenge?.at ?? 0
  let covered = 0
  await waitFor("the failed contract's term to be covered up to its last round", async () => {
    covered = (await loser.api<Earnings>('/host/earnings')).contracts.find(c => c.contractId === victim.contract)?.paidUntil ?? 0
    return covered === lastRound
  }, 30000)
  const loserBooks = (await loser.api<Settlement>('/settlement')).receivables.find(r => r.renter === renterWallet.address)
  const loserTotal = BigInt(loserBooks?.received ?? 0)
  const fake: PaidPeriod[] = [{ contractId: victim.contract, nonce: '0x' + 'ab'.repeat(32), from: covered, to: covered + 1000, verdict: 'pass', amount: '1' }]
  t.match(await send(await signed(renterWallet, { vault, beneficiary: termsOf(victim.contract).host, cumulativePayout: (loserTotal + 1n).toString() }), fake, loser), { ok: false, code: 'INCREMENT_MISMATCH', message: /no challenge/ }, 'a cheque for a round the host never answered is refused')
  const skipped: PaidPeriod[] = [{ contractId: victim.contract, nonce: '0x' + 'cd'.repeat(32), from: covered + 500, to: covered + 1000, verdict: 'missed', amount: '0' }]
  t.match(await send(await signed(renterWallet, { vault, beneficiary: termsOf(victim.contract).host, cumulativePayout: loserTotal.toString() }), skipped, loser), { ok: false, code: 'NOT_CONTIGUOUS' }, 'a cheque that leaves a gap in the term is refused')
  // the books still hold exactly price × size × proven time: nothing of the above was credited
  await settled()
  for (const shard of (view as FileView).shards) {
    t.equal(books.get(shard.host)?.contracts.find(c => c.contractId === shard.contract)?.amount, owed(termsOf(shard.contract), shard.provenMs).toString(), `shard ${shard.index}: books unchanged by the refused cheques`)
  }
})
