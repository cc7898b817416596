import t from 'tap'
import { join } from 'node:path'
import { canTransition, ContractLifecycle } from '../src/contracts/lifecycle.js'
import { ContractStore, type ContractRecord } from '../src/contracts/store.js'
import { silentLogger } from '../src/logger.js'
import { Datastore } from '../src/store/index.js'
import { pseudoRandomBytes } from './helpers/node.js'
import { fakeSignature, termsFor } from './helpers/terms.js'

t.test('contract states move only along the allowed transitions, one change at a time', async t => {
  const datastore = await Datastore.open(join(t.testdir(), 'ds'), silentLogger())
  t.teardown(async () => { await datastore.close() })
  const store = new ContractStore(datastore)
  const life = new ContractLifecycle(store)
  const record = async (): Promise<ContractRecord> => {
    const now = Date.now()
    return { role: 'host', terms: await termsFor(pseudoRandomBytes(1000, Math.floor(Math.random() * 1000))), renterSignature: fakeSignature(), hostSignature: fakeSignature(), state: 'signed', created: now, updated: now }
  }
  const receipt = (r: ContractRecord): { contractId: string, shardCid: string, storedAt: number, signature: string } => ({ contractId: r.terms.id, shardCid: r.terms.shardCid, storedAt: 1, signature: fakeSignature() })

  t.same(['signed', 'stored', 'failed', 'expired'].map(to => canTransition('signed', to as 'signed')), [false, true, true, false], 'signed → stored | failed')
  t.same(['signed', 'stored', 'failed', 'expired'].map(to => canTransition('stored', to as 'signed')), [false, false, true, true], 'stored → failed | expired')
  t.ok(['signed', 'stored', 'failed', 'expired'].every(to => !canTransition('expired', to as 'signed') && !canTransition('failed', to as 'signed')), 'failed and expired are final')

  const a = await life.create(await record())
  await t.rejects(life.create(a), { code: 'INTERNAL' }, 'an id is created once')
  const r = receipt(a)
  t.match(await life.markStored('host', a.terms.id, r), { state: 'stored', receipt: r })
  t.match(await life.markStored('host', a.terms.id, r), { state: 'stored' }, 'storing again with the same receipt changes nothing')
  await t.rejects(life.markStored('host', a.terms.id, receipt(a)), { code: 'INTERNAL' }, 'another receipt for a stored contract is a bug, not a change')
  t.match(await life.expire('host', a.terms.id), { state: 'expired' })
  t.match(await life.markFailed('host', a.terms.id, 'late'), { state: 'expired' }, 'an ended contract stays as it ended')
  await t.rejects(life.markStored('host', a.terms.id, r), { code: 'INTERNAL' }, 'expired → stored is refused')
  t.equal((await store.get('host', a.terms.id))?.state, 'expired', 'and nothing was written')

  const b = await life.create(await record())
  const [stored, failed] = await Promise.allSettled([life.markStored('host', b.terms.id, receipt(b)), life.markFailed('host', b.terms.id, 'proofs failed')])
  t.equal(stored.status, 'fulfilled')
  t.match(failed, { status: 'fulfilled', value: { state: 'failed', error: 'proofs failed' } }, 'racing changes apply in order: stored, then failed')
  t.equal((await store.get('host', b.terms.id))?.state, 'failed')
})
