/**
 * Runtime gaps of Node 20 that our dependencies rely on. Import this module first in every
 * entry point (CLI, daemon, benches): libp2p 3 and its helpers call `Promise.withResolvers`,
 * which only arrived in Node 22, and fail on their first dial without it.
 */
interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const PromiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> }

if (typeof PromiseCtor.withResolvers !== 'function') {
  PromiseCtor.withResolvers = function withResolvers<T> (): Resolvers<T> {
    let resolve!: Resolvers<T>['resolve']
    let reject!: Resolvers<T>['reject']
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

export {}
