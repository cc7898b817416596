import Type, { type Static } from 'typebox'
import type { ApiInstance, RouteOptions } from '../context.js'
import { BttAmount, networkErrorResponses } from '../schemas.js'
import { parseCid } from '../../unixfs/ipfs-path.js'
import { AppError, isAppError } from '../../errors/index.js'
import { setConfigValue } from '../../config/index.js'
import type { ContractRecord } from '../../contracts/store.js'
import { contractEnd } from '../../contracts/terms.js'
import { repairThreshold } from '../../renter/repair.js'
import { Uint } from '../../validation/types.js'
import { maxContractDays } from '../../config/schema.js'
import { maxTimerSeconds } from '../../config/duration.js'


const HostAdSchema = Type.Object({
  peerId: Type.String(),
  address: Type.String({ description: "TRON address of the host's wallet" }),
  price: BttAmount,
  capacity: Type.Integer(),
  free: Type.Integer(),
  minDuration: Type.Integer({ description: 'days' }),
  maxDuration: Type.Integer({ description: 'days' }),
  collateral: BttAmount,
  expiry: Type.Integer({ description: 'unix seconds' })
})

/** The host offer: the bounds are the config's (host.*), so what PUT accepts always saves. */
const HostSettingsSchema = Type.Object({
  enabled: Type.Boolean(),
  price: BttAmount,
  capacity: Uint({ description: 'bytes' }),
  minDuration: Uint({ minimum: 1, maximum: maxContractDays, description: 'days' }),
  maxDuration: Uint({ minimum: 1, maximum: maxContractDays, description: 'days' }),
  collateral: BttAmount,
  adTtl: Uint({ minimum: 10, maximum: maxTimerSeconds, description: 'seconds' }),
  reprovideInterval: Uint({ minimum: 1, maximum: maxTimerSeconds, description: 'seconds (a timer: at most 2147483)' })
}, { additionalProperties: false })

const ContractSchema = Type.Object({
  id: Type.String(),
  role: Type.String(),
  state: Type.String(),
  renter: Type.String(),
  renterPeer: Type.String(),
  host: Type.String(),
  hostPeer: Type.String(),
  shardCid: Type.String(),
  shardSize: Type.Integer(),
  merkleRoot: Type.String(),
  leafSize: Type.Integer(),
  start: Type.Integer(),
  duration: Type.Integer(),
  price: BttAmount,
  amount: BttAmount,
  challengeIntervalMs: Type.Integer({ description: 'mean ms between two challenges (the signed policy)' }),
  challengeLeaves: Type.Integer(),
  renterSignature: Type.String(),
  hostSignature: Type.String(),
  storedAt: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String())
})

const ShardStatusSchema = Type.Object({
  index: Type.Integer(),
  cid: Type.String(),
  size: Type.Integer(),
  host: Type.Optional(Type.String()),
  contractId: Type.Optional(Type.String()),
  state: Type.String({ description: 'pending | contracted | sending | stored | failed' }),
  bytesSent: Type.Integer(),
  attempts: Type.Integer(),
  error: Type.Optional(Type.String())
})

const UploadSchema = Type.Object({
  id: Type.String(),
  root: Type.String(),
  manifest: Type.Optional(Type.String()),
  k: Type.Integer(),
  m: Type.Integer(),
  duration: Type.Integer(),
  maxPrice: BttAmount,
  state: Type.String({ description: 'preparing | contracting | uploading | complete | failed' }),
  shards: Type.Array(ShardStatusSchema),
  notes: Type.Array(Type.String()),
  error: Type.Optional(Type.String()),
  created: Type.Integer(),
  updated: Type.Integer()
})

function contractView (r: ContractRecord): Static<typeof ContractSchema> {
  return {
    ...r.terms,
    role: r.role,
    state: r.state,
    renterSignature: r.renterSignature,
    hostSignature: r.hostSignature,
    ...(r.receipt !== undefined ? { storedAt: r.receipt.storedAt } : {}),
    ...(r.error !== undefined ? { error: r.error } : {})
  }
}

/** Network, host and storage routes: /peers, /hosts, /host/settings, /contracts, /storage/*. */
export async function networkRoutes (app: ApiInstance, { node }: RouteOptions): Promise<void> {
  app.get('/peers', {
    schema: { response: { 200: Type.Object({ peers: Type.Array(Type.Object({ id: Type.String(), addr: Type.String(), direction: Type.String() })) }), ...networkErrorResponses } }
  }, async () => ({
    peers: node.online.network.connections().map(c => ({ id: c.peer, addr: c.addr, direction: c.direction }))
  }))

  app.get('/hosts', {
    schema: {
      querystring: Type.Object({ refresh: Type.Optional(Type.Boolean({ description: 'ask the network now instead of using the list from the last storage.hostsRefresh seconds' })) }),
      response: {
        200: Type.Object({
          hosts: Type.Array(Type.Object({
            peerId: Type.String(),
            ad: HostAdSchema,
            latency: Type.Number({ description: 'ms, round trip of the last ad fetch' }),
            stored: Type.Integer({ description: 'shards this node stored there' }),
            failed: Type.Integer({ description: 'shard uploads to it that failed' })
          }))
        }),
        ...networkErrorResponses
      }
    }
  }, async (request) => {
    const hosts = await node.online.directory.list({ refresh: request.query.refresh === true })
    return { hosts: hosts.map(h => ({ peerId: h.peerId, ad: h.ad, latency: h.latency, stored: h.history.stored, failed: h.history.failed })) }
  })

  app.get('/host/settings', { schema: { response: { 200: HostSettingsSchema, ...networkErrorResponses } } }, async () => node.online.host.settings)

  app.put('/host/settings', {
    schema: { body: Type.Partial(HostSettingsSchema), response: { 200: HostSettingsSchema, ...networkErrorResponses } }
  }, async (request) => {
    try {
      setConfigValue(node.config, 'host', { ...node.online.host.settings, ...request.body }) // validates the whole section
    } catch (err) {
      // the client's values, not the node's config, are wrong
      throw isAppError(err, 'CONFIG_INVALID') ? new AppError('INVALID_PARAMETER', err.message) : err
    }
    await node.online.host.updateSettings(request.body)
    return node.online.host.settings
  })

  app.get('/contracts', {
    schema: {
      querystring: Type.Object({ role: Type.Optional(Type.Union([Type.Literal('renter'), Type.Literal('host')])) }),
      response: { 200: Type.Object({ contracts: Type.Array(ContractSchema) }), ...networkErrorResponses }
    }
  }, async (request) => {
    const out: Array<Static<typeof ContractSchema>> = []
    for await (const record of node.online.contracts.list(request.query.role)) out.push(contractView(record))
    return { contracts: out }
  })

  app.post('/storage/upload', {
    schema: {
      querystring: Type.Object({
        arg: Type.String({ maxLength: 128, description: 'CID of a file in the local store' }),
        k: Type.Optional(Uint({ minimum: 1, maximum: 256 })),
        m: Type.Optional(Uint({ minimum: 0, maximum: 255 })),
        duration: Type.Optional(Uint({ minimum: 1, maximum: maxContractDays, description: 'days (default storage.duration)' })),
        'max-price': Type.Optional(BttAmount)
      }),
      response: { 200: Type.Object({ id: Type.String() }), ...networkErrorResponses }
    }
  }, async (request) => {
    const q = request.query
    if ((q.k ?? node.config.shards.k) + (q.m ?? node.config.shards.m) > 256) throw new AppError('INVALID_PARAMETER', 'k + m must be at most 256')
    const id = await node.online.uploads.upload({
      root: parseCid(q.arg),
      ...(q.k !== undefined ? { k: q.k } : {}),
      ...(q.m !== undefined ? { m: q.m } : {}),
      ...(q.duration !== undefined ? { duration: q.duration } : {}),
      ...(q['max-price'] !== undefined ? { maxPrice: BigInt(q['max-price']) } : {})
    })
    return { id }
  })

  app.get('/storage/upload/:id', {
    schema: { params: Type.Object({ id: Type.String({ maxLength: 128 }) }), response: { 200: UploadSchema, ...networkErrorResponses } }
  }, async (request) => await node.online.uploads.get(request.params.id))

  app.get('/storage/uploads', {
    schema: { response: { 200: Type.Object({ uploads: Type.Array(UploadSchema) }), ...networkErrorResponses } }
  }, async () => ({ uploads: await node.online.uploads.list() }))

  app.get('/storage/files', {
    schema: {
      response: {
        200: Type.Object({
          files: Type.Array(Type.Object({
            root: Type.String(),
            manifest: Type.String(),
            size: Type.Integer(),
            k: Type.Integer(),
            m: Type.Integer(),
            reachable: Type.Integer({ description: 'shards whose host answered that it holds them' }),
            total: Type.Integer(),
            health: Type.Number({ description: 'reachable / total' }),
            recoverable: Type.Boolean({ description: 'reachable ≥ k' })
          }))
        }),
        ...networkErrorResponses
      }
    }
  }, async () => {
    const { uploads, retriever } = node.online
    const done = (await uploads.list()).filter(u => u.state === 'complete' && u.manifest !== undefined)
    const files = await Promise.all(done.map(async u => {
      const manifest = await node.shards.manifest(parseCid(u.manifest as string))
      const h = await retriever.health(manifest)
      return { root: u.root, manifest: u.manifest as string, size: manifest.size, k: u.k, m: u.m, reachable: h.reachable, total: h.total, health: h.reachable / h.total, recoverable: h.reachable >= u.k }
    }))
    return { files }
  })
}

const RoundSchema = Type.Object({
  at: Type.Integer({ description: 'unix ms' }),
  nonce: Type.String(),
  indices: Type.Array(Type.Integer()),
  verdict: Type.String({ description: 'pass | fail | missed' }),
  reason: Type.Optional(Type.String())
})

const RepairSchema = Type.Object({
  started: Type.Integer({ description: 'unix ms' }),
  finished: Type.Optional(Type.Integer({ description: 'unix ms' })),
  lostAt: Type.Integer({ description: 'unix ms: when the first lost shard\'s contract failed' }),
  lost: Type.Array(Type.Object({ index: Type.Integer(), host: Type.Optional(Type.String()), contract: Type.Optional(Type.String()) })),
  source: Type.Optional(Type.String({ description: 'local | hosts: where the rebuilt shards came from' })),
  hosts: Type.Array(Type.String(), { description: 'the hosts that took the rebuilt shards' }),
  ok: Type.Optional(Type.Boolean()),
  error: Type.Optional(Type.String()),
  ms: Type.Optional(Type.Integer()),
  timeToRepairMs: Type.Optional(Type.Integer())
})

const ShardCheckSchema = Type.Object({
  cid: Type.String(),
  size: Type.Integer(),
  contracts: Type.Array(Type.String()),
  checkedAt: Type.Integer({ description: 'unix ms' }),
  ok: Type.Boolean(),
  problem: Type.Optional(Type.String({ description: 'missing | size | cid | merkle-root' })),
  message: Type.Optional(Type.String())
})

const SelfCheckPassSchema = Type.Object({
  started: Type.Integer(),
  finished: Type.Optional(Type.Integer()),
  checked: Type.Integer(),
  corrupt: Type.Integer(),
  bytes: Type.Integer()
})

/** GET /storage/files/:cid (per-shard proof history, repairs), GET /host/challenges, GET|POST /host/shards. */
export async function proofRoutes (app: ApiInstance, { node }: RouteOptions): Promise<void> {
  app.get('/storage/files/:cid', {
    schema: {
      params: Type.Object({ cid: Type.String({ maxLength: 128 }) }),
      response: {
        200: Type.Object({
          root: Type.String(),
          manifest: Type.String(),
          upload: Type.String({ description: 'the upload session' }),
          state: Type.String({ description: 'complete | repairing | …: the upload session\'s state' }),
          k: Type.Integer(),
          m: Type.Integer(),
          healthy: Type.Integer({ description: 'shards held under a contract in force' }),
          repairThreshold: Type.Integer({ description: 'fewer healthy shards than this start a repair' }),
          shards: Type.Array(Type.Object({
            index: Type.Integer(),
            cid: Type.String(),
            healthy: Type.Boolean(),
            host: Type.String(),
            contract: Type.String(),
            state: Type.String(),
            expires: Type.Integer({ description: 'unix seconds: the end of the contract' }),
            lastProven: Type.Optional(Type.Integer({ description: 'unix ms' })),
            passes: Type.Integer(),
            provenMs: Type.Integer({ description: 'ms of storage proven by passed rounds (what the host is paid for)' }),
            failures: Type.Integer(),
            lastChallenge: Type.Optional(RoundSchema),
            contracts: Type.Array(Type.Object({
              id: Type.String(),
              host: Type.String(),
              state: Type.String(),
              start: Type.Integer(),
              end: Type.Integer(),
              renews: Type.Optional(Type.String()),
              error: Type.Optional(Type.String())
            }), { description: 'every contract made for this shard, oldest first: the first upload, repairs, renewals' })
          })),
          repairs: Type.Array(RepairSchema)
        }),
        ...networkErrorResponses
      }
    }
  }, async (request) => {
    const root = parseCid(request.params.cid)
    const { uploads, repair, proofs } = node.online
    const latest = await node.shards.latest(root)
    const session = (await uploads.list()).filter(u => u.root === root.toString() && u.manifest !== undefined && u.state !== 'failed').pop()
    if (latest === undefined || session === undefined) throw new AppError('NOT_FOUND', `${root.toString()} was not uploaded from this node`)
    const manifest = session.manifest as string
    const health = await repair.health(session)
    const shards = []
    for (const shard of health) {
      const current = shard.current
      if (current === undefined) continue
      const proof = await proofs.get(current.terms.id)
      shards.push({
        index: shard.index,
        cid: current.terms.shardCid,
        healthy: shard.healthy,
        host: current.terms.hostPeer,
        contract: current.terms.id,
        state: current.state,
        expires: contractEnd(current.terms),
        ...(proof?.lastProven !== undefined ? { lastProven: proof.lastProven } : {}),
        passes: proof?.passes ?? 0,
        provenMs: proof?.provenMs ?? 0,
        failures: proof?.failures ?? 0,
        ...(proof?.last !== undefined ? { lastChallenge: proof.last } : {}),
        contracts: shard.contracts.map(r => ({
          id: r.terms.id, host: r.terms.hostPeer, state: r.state, start: r.terms.start, end: contractEnd(r.terms),
          ...(r.renews !== undefined ? { renews: r.renews } : {}), ...(r.error !== undefined ? { error: r.error } : {})
        }))
      })
    }
    return {
      root: root.toString(),
      manifest,
      upload: session.id,
      state: session.state,
      k: session.k,
      m: session.m,
      healthy: health.filter(s => s.healthy).length,
      repairThreshold: repairThreshold(node.config.storage.repairThreshold, session.k, session.m),
      shards,
      repairs: session.repairs ?? []
    }
  })

  app.get('/host/shards', {
    schema: {
      response: {
        200: Type.Object({ pass: Type.Optional(SelfCheckPassSchema), shards: Type.Array(ShardCheckSchema) }),
        ...networkErrorResponses
      }
    }
  }, async () => await node.online.selfCheck.status())

  app.post('/host/shards/check', {
    schema: {
      response: {
        200: Type.Object({ pass: SelfCheckPassSchema, shards: Type.Array(ShardCheckSchema) }),
        ...networkErrorResponses
      }
    }
  }, async () => {
    const pass = await node.online.selfCheck.run()
    return { pass, shards: (await node.online.selfCheck.status()).shards }
  })

  app.get('/host/challenges', {
    schema: {
      querystring: Type.Object({ limit: Type.Optional(Uint({ minimum: 1, maximum: 10000 })) }),
      response: {
        200: Type.Object({
          challenges: Type.Array(Type.Object({
            at: Type.Integer(),
            contractId: Type.String(),
            renterPeer: Type.String(),
            nonce: Type.String(),
            indices: Type.Array(Type.Integer()),
            answered: Type.Boolean(),
            error: Type.Optional(Type.String())
          }))
        }),
        ...networkErrorResponses
      }
    }
  }, async (request) => ({ challenges: await node.online.prover.list(request.query.limit ?? 100) }))
}
