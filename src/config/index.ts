export { ConfigSchema, type Config } from './schema.js'
export { defaultConfig, mergeConfig, validateConfig, applyEnv, envOverrides, getConfigValue, setConfigValue } from './load.js'
