export type { BlockStore, BlockWriter, BlockLocation, PieceOptions, ReadOptions, SweepResult } from './interface.js'
export { ReadQueue, type ReadPriority } from './read-queue.js'
export { PackBlockStore, defaultPackStoreOptions, type PackStoreOptions, type PackStoreComponents } from './pack-store.js'
export { staged } from './staged.js'
