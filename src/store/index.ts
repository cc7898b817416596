export { Datastore, type Bucket, type BatchOp, type Encoding } from './datastore.js'
export { buckets, type BucketName } from './keys.js'
export { Table, type Range } from './table.js'
