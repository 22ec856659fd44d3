/**
 * Runs skiff's CLI as a child process: `node --import tsx src/cli/main.ts` (the same entry point
 * esbuild bundles into dist/cli/), so the tests never depend on a build being up to date.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Absolute, so `cwd` can be any folder (a test's temp dir, for relative image names). */
const TSX = import.meta.resolve('tsx')
const MAIN = join(ROOT, 'src', 'cli', 'main.ts')

export interface SkiffResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** `input`: written to the child's stdin (which is otherwise closed, as /dev/null). `cwd`: default the repository root. */
export function skiff(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (pid: number) => void; input?: string } = {}): Promise<SkiffResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] as ['ignore' | 'pipe', 'pipe', 'pipe'],
    })
    if (opts.input !== undefined) child.stdin!.end(opts.input)
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    if (child.pid !== undefined) opts.onSpawn?.(child.pid)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}
