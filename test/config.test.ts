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
