import t from 'tap'
import { readFileSync } from 'node:fs'
import { defaultConfig, getConfigValue, setConfigValue, validateConfig, applyEnv, mergeConfig } from '../src/config/index.js'

t.test('config/default.json is valid and complete', async t => {
  const config = defaultConfig()
  t.equal(config.api.address, '127.0.0.1:5001', 'the API listens on loopback by default')
  t.equal(config.api.token, '')
  t.equal(config.add.cidVersion, 1)
  t.same(JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8')), config)
})

t.test('get and set by dotted key, with JSON values and validation', async t => {
  const config = defaultConfig()
  t.equal(getConfigValue(config, 'api.address'), '127.0.0.1:5001')
  t.same(getConfigValue(config, 'add'), config.add)
  t.throws(() => getConfigValue(config, 'api.nope'), { code: 'INVALID_PARAMETER', message: /unknown config key "api.nope"/ })
  const changed = setConfigValue(config, 'api.maxBodyBytes', '1024')
  t.equal(changed.api.maxBodyBytes, 1024, 'numbers are parsed')
  t.equal(config.api.maxBodyBytes, 68719476736, 'the original is untouched')
  t.equal(setConfigValue(config, 'api.token', '12345').api.token, '12345', 'strings stay strings')
  t.equal(setConfigValue(config, 'blocks.fsync', 'false').blocks.fsync, false)
  t.same(setConfigValue(config, 'add', '{"cidVersion":0,"rawLeaves":false,"chunker":"size-1024","pin":false}').add.chunker, 'size-1024')
  t.throws(() => setConfigValue(config, 'api.maxBodyBytes', '"lots"'), { code: 'CONFIG_INVALID', message: /api.maxBodyBytes/ })
  t.throws(() => setConfigValue(config, 'add.cidVersion', '2'), { code: 'CONFIG_INVALID' })
  t.throws(() => setConfigValue(config, 'log.level', 'loud'), { code: 'CONFIG_INVALID' })
  t.throws(() => setConfigValue(config, 'nope', '1'), { code: 'INVALID_PARAMETER' })
  t.throws(() => setConfigValue(config, 'api.nope', '1'), { code: 'INVALID_PARAMETER', message: /unknown config key "api.nope"/ })
  const tron = setConfigValue(config, 'settlement.chain', '{"kind":"tron","fullHost":"http://127.0.0.1:1","token":"TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4"}')
  t.equal((setConfigValue(tron, 'settlement.chain.vault', 'TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4').settlement.chain as { vault?: string }).vault, 'TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4', 'an optional key not set yet can be set')
  t.throws(() => setConfigValue(config, 'settlement.chain.vault', 'TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4'), { code: 'INVALID_PARAMETER' }, 'but only where the schema has it')
})

t.test('unknown keys and wrong types are named in the error', async t => {
  const bad = mergeConfig(defaultConfig(), { api: { adress: 'x' }, add: { pin: 'yes' } })
  t.throws(() => validateConfig(bad, 'test.json'), { code: 'CONFIG_INVALID', message: /test.json.*api: unknown key adress.*add.pin/ })
})

t.test('environment overrides', async t => {
  const config = applyEnv(defaultConfig(), { BTFS_TS_API: '127.0.0.1:6001', BTFS_TS_LOG: 'debug' })
  t.equal(config.api.address, '127.0.0.1:6001')
  t.equal(config.log.level, 'debug')
  t.same(applyEnv(defaultConfig(), { BTFS_TS_API: '' }), defaultConfig(), 'empty values are ignored')
})

t.test('every number is bounded: timers cannot overflow, amounts fit a uint256', async t => {
  const config = defaultConfig()
  const bad: Array<[string, string]> = [
    ['host.reprovideInterval', '3000000'], // × 1000 ms is past 2^31 − 1: setTimeout would fire every 1 ms
    ['host.adTtl', '2147484'],
    ['host.capacity', '1e300'],
    ['host.capacity', String(2 ** 53)],
    ['host.maxDuration', '36501'],
    ['host.price', ((1n << 256n)).toString()],
    ['host.collateral', '1'.repeat(79)],
    ['storage.maxPrice', '0001'],
    ['proofs.interval', '25d'], // 2 160 000 000 ms > 2^31 − 1
    ['proofs.interval', '2147483648ms'],
    ['proofs.interval', '0s'], // a zero interval is a busy loop
    ['proofs.timeout', '30000d'],
    ['storage.repairInterval', '999999999999999999d'],
    ['host.selfCheckInterval', '100d'],
    ['host.expiryGrace', '99999999999999999d'], // not a safe integer of ms
    ['api.headersTimeout', '30d'],
    ['api.maxConnections', '0'],
    ['api.minBodyRate', '-1'],
    ['wallet.chainId', String(2 ** 53)]
  ]
  for (const [key, value] of bad) t.throws(() => setConfigValue(config, key, value), { code: 'CONFIG_INVALID' }, `${key} = ${value}`)
  const good: Array<[string, string]> = [
    ['host.reprovideInterval', '2147483'],
    ['host.price', ((1n << 256n) - 1n).toString()],
    ['proofs.interval', '24d'],
    ['proofs.interval', '2147483647ms'],
    ['host.selfCheckInterval', '0s'], // off
    ['api.idleTimeout', '0s'], // off
    ['host.expiryGrace', '3650d'], // compared with clocks only: any safe number of ms
    ['settlement.grace', '36500d']
  ]
  for (const [key, value] of good) t.doesNotThrow(() => setConfigValue(config, key, value), `${key} = ${value}`)
})
