import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

/** The built CLI (npm test builds first). */
export const cliPath = join(fileURLToPath(new URL('../..', import.meta.url)), 'dist', 'src', 'cli', 'main.js')

/** A daemon running as a child process. */
export interface DaemonProcess {
  proc: ChildProcess
  url: string
  repo: string
  stdout: () => string
  stderr: () => string
  /** Sends SIGTERM and waits for the exit; resolves to the exit code. */
  stop: () => Promise<number | null>
}

/**
 * Starts `btfs-ts daemon` on `repo` with the API on 127.0.0.1 port 0 and waits until it prints
 * its API address. Stopped at teardown whatever happens.
 */
export async function spawnDaemon (t: Test, repo: string, options: { env?: NodeJS.ProcessEnv, args?: string[] } = {}): Promise<DaemonProcess> {
  const proc = spawn(process.execPath, [cliPath, '--repo', repo, 'daemon', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', ...(options.args ?? [])], {
    env: { ...process.env, BTFS_TS_LOG: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  proc.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  const exited = once(proc, 'exit')
  const stop = async (): Promise<number | null> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode
    proc.kill('SIGTERM')
    const [code] = await exited as [number | null]
    return code
  }
  t.teardown(async () => { await stop() })
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const match = /API server listening on (http:\/\/\S+)/.exec(out)
      if (match !== null) { proc.stdout?.off('data', onData); resolve(match[1] as string) }
    }
    proc.stdout?.on('data', onData)
    proc.once('exit', code => { reject(new Error(`daemon exited with ${code}: ${err}`)) })
  })
  return { proc, url, repo, stdout: () => out, stderr: () => err, stop }
}

/** Runs the CLI to completion; resolves to its exit code and output. */
export async function runCli (args: string[], options: { env?: NodeJS.ProcessEnv, input?: Uint8Array } = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const proc = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  proc.stdin.end(options.input)
  const [code] = await once(proc, 'exit') as [number | null]
  return { code, stdout, stderr }
}
