import t, { type Test } from 'tap'
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ContractLifecycle } from '../src/contracts/lifecycle.js'
import { ContractStore, type ContractRecord } from '../src/contracts/store.js'
import { contractEnd, type ContractTerms } from '../src/contracts/terms.js'
import { expireContracts } from '../src/host/expiry.js'
import { HostSelfCheck } from '../src/host/self-check.js'
import { HostShardStore } from '../src/host/shard-store.js'
import { silentLogger } from '../src/logger.js'
import { repairThreshold } from '../src/renter/repair.js'
import { Datastore } from '../src/store/index.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { waitFor } from './helpers/wait.js'
import { fakeSignature, termsFor } from './helpers/terms.js'

const leafSize = 4096
const day = 86400

/** A host repo's stores on a temp dir: real LevelDB, real shard files. */
async function hostStores (t: Test): Promise<{ contracts: ContractStore, lifecycle: ContractLifecycle, shards: HostShardStore, datastore: Datastore }> {
  const dir = await mkdtemp(join(tmpdir(), 'btfs-ts-upkeep-'))
  const datastore = await Datastore.open(join(dir, 'datastore'), silentLogger())
  t.teardown(async () => { await datastore.close(); await rm(dir, { recursive: true, force: true }) })
  const shards = new HostShardStore(join(dir, 'shards'))
  await shards.start()
  const contracts = new ContractStore(datastore)
  return { contracts, lifecycle: new ContractLifecycle(contracts), shards, datastore }
}

/** Stores `data` as a shard the way a host does (verified, fsynced) under a stored host contract. */
async function holdShard (stores: { contracts: ContractStore, shards: HostShardStore }, data: Uint8Array, id: string, start: number, duration: number): Promise<ContractRecord> {
  const terms: ContractTerms = await termsFor(data, { id, start, duration }, leafSize)
  const cid = terms.shardCid
  if (await stores.shards.size(cid) === undefined) {
    await stores.shards.receive({ contractId: id, cid, size: data.length, merkleRoot: terms.merkleRoot, leafSize }, {
      read: async () => data,
      consumed: async () => {}
    })
  }
  const record: ContractRecord = { role: 'host', terms, renterSignature: fakeSignature(), hostSignature: fakeSignature(), state: 'stored', created: start * 1000, updated: start * 1000 }
  await stores.contracts.put(record)
  return record
}

const id = (n: number): string => '0x' + n.toString(16).padStart(64, '0')

t.test('hosts delete a shard only after its last contract ended plus the grace period', async t => {
  const stores = await hostStores(t)
  const now = Math.floor(Date.now() / 1000)
  const a = pseudoRandomBytes(50000, 1)
  const b = pseudoRandomBytes(30000, 2)
  // A: one contract that ended two days ago. B: a contract that ended, renewed by one still running.
  const old = await holdShard(stores, a, id(1), now - 3 * day, 1)
  const ended = await holdShard(stores, b, id(2), now - 3 * day, 1)
  const renewal = await holdShard(stores, b, id(3), contractEnd(ended.terms), 30)
  const graceMs = 3 * day * 1000

  let result = await expireContracts({ ...stores, logger: silentLogger(), graceMs, now: now * 1000 })
  t.same(result, { expired: [], deleted: [] }, 'within the grace period nothing expires')
  t.equal(await stores.shards.size(old.terms.shardCid), a.length)

  result = await expireContracts({ ...stores, logger: silentLogger(), graceMs: day * 1000, now: now * 1000 })
  t.same(result.expired.map(r => r.terms.id).sort(), [id(1), id(2)], 'after the grace the two ended contracts expire')
  t.same(result.deleted, [old.terms.shardCid], 'the shard no contract holds is deleted')
  t.equal(await stores.shards.size(old.terms.shardCid), undefined, 'its file is gone')
  t.equal(await stores.shards.size(renewal.terms.shardCid), b.length, 'the renewed shard is kept')
  t.equal((await stores.contracts.get('host', id(1)))?.state, 'expired')
  t.equal((await stores.contracts.get('host', id(3)))?.state, 'stored', 'the renewal is still in force')

  result = await expireContracts({ ...stores, logger: silentLogger(), graceMs: day * 1000, now: now * 1000 })
  t.same(result, { expired: [], deleted: [] }, 'a second sweep finds nothing more')

  result = await expireContracts({ ...stores, logger: silentLogger(), graceMs: 0, now: (contractEnd(renewal.terms) + 1) * 1000 })
  t.same(result.deleted, [renewal.terms.shardCid], 'when the renewal ends too, the shard goes')
})

t.test('the self-check finds missing, truncated and bit-rotted shards before a renter does', async t => {
  const stores = await hostStores(t)
  const now = Math.floor(Date.now() / 1000)
  const files = [1, 2, 3, 4, 5].map(n => pseudoRandomBytes(20000 + n * 7000, 10 + n))
  const records: ContractRecord[] = []
  for (const [i, data] of files.entries()) records.push(await holdShard(stores, data, id(10 + i), now, 30))
  const bad: string[] = []
  const check = new HostSelfCheck({ ...stores, logger: silentLogger(), intervalMs: 0, rate: 0, onBad: cid => { bad.push(cid) } })
  t.teardown(async () => { await check.stop() })

  let pass = await check.run()
  t.match(pass, { checked: 5, corrupt: 0, bytes: files.reduce((n, f) => n + f.length, 0) }, 'every byte of every shard is read back')
  t.ok((await check.status()).shards.every(s => s.ok), 'and all are intact')

  const path = (n: number): string => join(stores.shards.dir, records[n]?.terms.shardCid as string)
  await rm(path(0))
  await truncate(path(1), 100)
  const rotted = await readFile(path(2))
  rotted[12345] ^= 0x10
  await writeFile(path(2), rotted)
  // Shard 3's contract carries a Merkle root that does not match its bytes (a corrupt record).
  await stores.contracts.put({ ...records[3] as ContractRecord, terms: { ...(records[3] as ContractRecord).terms, merkleRoot: '0x' + '00'.repeat(32) } })

  pass = await check.run()
  t.match(pass, { checked: 5, corrupt: 4 })
  const status = await check.status()
  const by = new Map(status.shards.map(s => [s.cid, s]))
  t.match(by.get(records[0]?.terms.shardCid as string), { ok: false, problem: 'missing', contracts: [id(10)] })
  t.match(by.get(records[1]?.terms.shardCid as string), { ok: false, problem: 'size', message: /100 bytes/ })
  t.match(by.get(records[2]?.terms.shardCid as string), { ok: false, problem: 'cid' })
  t.match(by.get(records[3]?.terms.shardCid as string), { ok: false, problem: 'merkle-root' })
  t.match(by.get(records[4]?.terms.shardCid as string), { ok: true })
  t.equal(bad.length, 4, 'the prover is told to drop its cached trees of the four')
  t.same(status.pass, pass, 'GET /host/shards shows the last pass')

  // An expired contract's shard is no longer checked, and its result is dropped.
  await stores.contracts.put({ ...records[4] as ContractRecord, state: 'expired' })
  pass = await check.run()
  t.equal(pass.checked, 4)
  t.notOk((await check.status()).shards.some(s => s.cid === records[4]?.terms.shardCid))
})

t.test('the background self-check runs by itself (reads under host.selfCheckRate)', async t => {
  const stores = await hostStores(t)
  const data = pseudoRandomBytes(256 * 1024, 3)
  await holdShard(stores, data, id(30), Math.floor(Date.now() / 1000), 30)
  const check = new HostSelfCheck({ ...stores, logger: silentLogger(), intervalMs: 50, rate: 4 * 1024 * 1024 })
  check.start()
  t.teardown(async () => { await check.stop() })
  await waitFor('a background pass', async () => (await check.status()).shards.length > 0, 10000)
  const status = await check.status()
  t.match(status.shards, [{ ok: true, size: data.length }], 'a pass ran without being asked')
  t.ok(status.pass !== undefined && status.pass.checked === 1)
})

t.test('repair threshold: k + ceil(m / 2) by default, never above k + m', async t => {
  t.equal(repairThreshold(0, 4, 2), 5)
  t.equal(repairThreshold(0, 10, 20), 20)
  t.equal(repairThreshold(0, 1, 0), 1)
  t.equal(repairThreshold(7, 4, 2), 6)
  t.equal(repairThreshold(4, 4, 2), 4)
})
