export type { BlockStore, BlockWriter, BlockLocation, SweepResult } from './interface.js'
export { PackBlockStore, defaultPackStoreOptions, type PackStoreOptions, type PackStoreComponents } from './pack-store.js'
export { staged } from './staged.js'
