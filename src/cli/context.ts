import type { Core } from './core.js'

/** What commands share: output and a way to run against the node. */
export interface CliContext {
  /** Repo path from --repo / BTFS_TS_PATH / default. */
  repoPath: () => string
  /** Runs `fn` against the node (daemon API or in-process repo) and closes it after. */
  withCore: <T>(fn: (core: Core) => Promise<T>) => Promise<T>
  /** Writes a line to stdout. */
  print: (line: string) => void
}
