import Type from 'typebox'
import type { ApiInstance, RouteOptions } from '../context.js'
import { BttAmount, networkErrorResponses } from '../schemas.js'
import { AppError } from '../../errors/index.js'
import { TronAddress, Uint256 } from '../../validation/types.js'
import { durationMs } from '../../config/duration.js'

/** Longest withdrawal time lock a new vault gets (10 years, in seconds). */
const maxVaultLockSeconds = 3650 * 86400

/** A positive amount to move: a uint256 in decimal, not 0. */
const PositiveAmount = (description: string): ReturnType<typeof Uint256> => Type.String({ ...Uint256(description), pattern: '^[1-9][0-9]{0,77}$' })


const ChequeSchema = Type.Object({
  vault: Type.String(),
  beneficiary: Type.String(),
  cumulativePayout: BttAmount,
  signature: Type.String({ description: 'TIP-712 signature of Cheque(vault, beneficiary, cumulativePayout) by the vault issuer' })
})

const TxSchema = Type.Object({
  txid: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('settled'), Type.Literal('failed')]),
  reason: Type.Optional(Type.String()),
  paid: Type.Optional(BttAmount),
  bounced: Type.Optional(BttAmount),
  fee: Type.Optional(Type.String())
})

const CashoutSchema = Type.Intersect([TxSchema, Type.Object({ cumulativePayout: BttAmount, at: Type.Integer() })])

const PeriodSchema = Type.Object({ contractId: Type.String(), nonce: Type.String(), from: Type.Integer(), to: Type.Integer(), verdict: Type.String({ description: 'pass | fail | missed: a failed or missed round\'s period is listed at 0' }), amount: BttAmount })

const sum = (periods: Array<{ amount: string }>): string => periods.reduce((s, p) => s + BigInt(p.amount), 0n).toString()

/** GET /wallet, POST /wallet/deposit|withdraw|vault, GET /wallet/tx/:txid, GET /settlement, GET /host/earnings, GET /cheques, POST /cheques/cash. */
export async function settlementRoutes (app: ApiInstance, { node }: RouteOptions): Promise<void> {
  app.get('/wallet', {
    schema: {
      response: {
        200: Type.Object({
          address: Type.String({ description: "the node's TRON wallet address (its key never leaves the keystore)" }),
          chain: Type.Union([Type.Literal('none'), Type.Literal('tron')]),
          vault: Type.String({ description: "the vault this node's cheques draw on (its own address without a chain)" }),
          balances: Type.Object({
            trx: Type.Optional(Type.String({ description: 'sun' })),
            btt: Type.Optional(BttAmount),
            vault: Type.Optional(Type.Object({
              address: Type.String(), issuer: Type.String(), balance: BttAmount,
              withdrawal: Type.Optional(Type.Object({ amount: BttAmount, after: Type.Integer() }))
            }))
          }, { description: 'what the chain reports; empty without a chain' })
        }),
        ...networkErrorResponses
      }
    }
  }, async () => {
    const { wallet, chain, payer } = node.online
    return { address: wallet.address, chain: chain.kind, vault: payer.vault, balances: await chain.balances(wallet.address) }
  })

  // The wallet routes and cheque cashing sign transactions that burn the wallet's TRX (and move
  // its BTT): like the file routes, only the daemon's own user (cookie) or the token holder.
  const Amount = Type.Object({ amount: PositiveAmount('BTT base units') })
  app.post('/wallet/deposit', { config: { privileged: true }, schema: { querystring: Amount, response: { 200: TxSchema, ...networkErrorResponses } } },
    async (request) => await node.online.chain.deposit(BigInt(request.query.amount)))
  app.post('/wallet/withdraw', {
    config: { privileged: true },
    schema: {
      querystring: Type.Object({
        amount: Type.Optional(PositiveAmount('ask for this much back (base units); it can be taken after the vault\'s time lock')),
        complete: Type.Optional(Type.Boolean({ description: 'take the withdrawal asked for before, once its time lock is over' }))
      }),
      response: { 200: TxSchema, ...networkErrorResponses }
    }
  }, async (request) => {
    const { amount, complete } = request.query
    if ((amount === undefined) === (complete !== true)) throw new AppError('INVALID_PARAMETER', 'give either amount (to ask) or complete=true (to take it after the time lock)')
    return amount !== undefined ? await node.online.chain.requestWithdrawal(BigInt(amount)) : await node.online.chain.withdraw()
  })

  app.post('/wallet/vault', {
    config: { privileged: true },
    schema: {
      querystring: Type.Object({ lock: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}(ms|s|m|h|d)$', format: 'clock-duration', maxLength: 18, description: 'withdrawal time lock of the new vault (default 7d, at most 3650d)' })) }),
      response: { 200: Type.Intersect([TxSchema, Type.Object({ vault: Type.Optional(Type.String({ description: 'the new vault (base58), known at broadcast' })) })]), ...networkErrorResponses }
    }
  }, async (request) => {
    const lock = Math.ceil((durationMs(request.query.lock ?? '7d') ?? Infinity) / 1000)
    if (!(lock <= maxVaultLockSeconds)) throw new AppError('INVALID_PARAMETER', `lock must be at most 3650d, got ${request.query.lock ?? ''}`)
    return await node.online.chain.deployVault(lock)
  })

  app.get('/wallet/tx/:txid', {
    schema: {
      params: Type.Object({ txid: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }) }),
      querystring: Type.Object({ kind: Type.Union([Type.Literal('deposit'), Type.Literal('withdraw'), Type.Literal('cash'), Type.Literal('deploy')], { description: 'what the transaction was, which says the event that settles it' }) }),
      response: { 200: TxSchema, ...networkErrorResponses }
    }
  }, async (request) => await node.online.chain.status(request.params.txid, request.query.kind))

  app.get('/settlement', {
    schema: {
      response: {
        200: Type.Object({
          chain: Type.String(),
          payables: Type.Array(Type.Object({
            host: Type.String({ description: 'peer id' }),
            beneficiary: Type.String({ description: "the host's wallet" }),
            vault: Type.String(),
            owed: BttAmount,
            issued: Type.Object({ cumulative: BttAmount }, { description: 'total of the latest cheque signed' }),
            acknowledged: BttAmount,
            periodsPaid: Type.Integer(),
            lastCheque: Type.Optional(Type.Object({ cheque: ChequeSchema, periods: Type.Array(PeriodSchema), at: Type.Integer(), delivered: Type.Boolean(), rejected: Type.Optional(Type.String()) }))
          })),
          receivables: Type.Array(Type.Object({
            renter: Type.String(),
            vault: Type.String(),
            received: BttAmount,
            cashed: BttAmount,
            uncashed: BttAmount,
            periods: Type.Integer(),
            disputed: Type.Integer({ description: 'rounds this host answered that the renter declared failed or missed (unpaid)' }),
            claimedMissed: Type.Integer({ description: 'missed rounds the renter declared that never reached this host' }),
            lastCheque: ChequeSchema,
            lastChequeAt: Type.Integer(),
            overdue: Type.Boolean(),
            cashouts: Type.Array(CashoutSchema)
          }))
        }),
        ...networkErrorResponses
      }
    }
  }, async () => {
    const { chain, payer, receiver } = node.online
    await receiver.refresh().catch(() => {})
    const payables = (await payer.list()).map(p => ({
      host: p.hostPeer,
      beneficiary: p.beneficiary,
      vault: p.vault,
      owed: (BigInt(sum(p.owed)) + (p.last?.delivered === false ? BigInt(p.last.cheque.cumulativePayout) - BigInt(p.acknowledged) : 0n)).toString(),
      issued: { cumulative: p.issued },
      acknowledged: p.acknowledged,
      periodsPaid: p.periodsPaid,
      ...(p.last !== undefined ? { lastCheque: p.last } : {})
    }))
    const receivables = await Promise.all((await receiver.list()).map(async r => ({
      renter: r.renter,
      vault: r.vault,
      received: r.received,
      cashed: r.cashed,
      uncashed: (BigInt(r.received) - BigInt(r.cashed)).toString(),
      periods: r.periods,
      disputed: r.disputed ?? 0,
      claimedMissed: r.claimedMissed ?? 0,
      lastCheque: r.cheque,
      lastChequeAt: r.lastChequeAt,
      overdue: await receiver.overdue({ address: r.renter }),
      cashouts: r.cashouts
    })))
    return { chain: chain.kind, payables, receivables }
  })

  app.get('/host/earnings', {
    schema: {
      response: {
        200: Type.Object({
          total: BttAmount,
          days: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD (UTC)' }), amount: BttAmount })),
          contracts: Type.Array(Type.Object({
            contractId: Type.String(),
            provenMs: Type.Integer({ description: 'ms of proven storage paid for' }),
            amount: BttAmount,
            periods: Type.Integer(),
            paidUntil: Type.Integer({ description: 'unix ms: the end of the last period paid' })
          }))
        }),
        ...networkErrorResponses
      }
    }
  }, async () => {
    const days = await node.online.receiver.earnings()
    return { total: sum(days), days, contracts: await node.online.receiver.contracts() }
  })

  app.get('/cheques', {
    schema: {
      response: {
        200: Type.Object({
          received: Type.Array(Type.Object({ renter: Type.String(), cheque: ChequeSchema, received: BttAmount, cashed: BttAmount, at: Type.Integer() })),
          issued: Type.Array(Type.Object({ host: Type.String(), cheque: ChequeSchema, delivered: Type.Boolean(), at: Type.Integer() }))
        }),
        ...networkErrorResponses
      }
    }
  }, async () => {
    const { payer, receiver } = node.online
    await receiver.refresh().catch(() => {})
    return {
      received: (await receiver.list()).map(r => ({ renter: r.renter, cheque: r.cheque, received: r.received, cashed: r.cashed, at: r.lastChequeAt })),
      issued: (await payer.list()).flatMap(p => p.last !== undefined ? [{ host: p.hostPeer, cheque: p.last.cheque, delivered: p.last.delivered, at: p.last.at }] : [])
    }
  })

  app.post('/cheques/cash', {
    config: { privileged: true },
    schema: {
      querystring: Type.Object({ renter: Type.Optional(TronAddress('cash only the cheque of this renter (wallet address); default: every renter with uncashed BTT')) }),
      response: { 200: Type.Object({ cashouts: Type.Array(Type.Intersect([CashoutSchema, Type.Object({ renter: Type.String() })])) }), ...networkErrorResponses }
    }
  }, async (request) => {
    const { receiver } = node.online
    const renters = request.query.renter !== undefined
      ? [request.query.renter]
      : (await receiver.list()).filter(r => BigInt(r.received) > BigInt(r.cashed)).map(r => r.renter)
    const cashouts = []
    for (const renter of renters) cashouts.push({ renter, ...await receiver.cash(renter) })
    return { cashouts }
  })
}
