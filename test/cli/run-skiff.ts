/**
 * Runs skiff's CLI as a child process. Under `npm test` that is the bundle scripts/run-tests.mjs
 * built from the current src/ for this run ($SKIFF_TEST_CLI, the same build as dist/cli/; it starts
 * in a fifth of the time); otherwise `node --import tsx src/cli/main.ts`. Either way the tests never
 * depend on `npm run build` being up to date.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Absolute, so `cwd` can be any folder (a test's temp dir, for relative image names). */
const TSX = import.meta.resolve('tsx')
const MAIN = join(ROOT, 'src', 'cli', 'main.ts')

/** Node's arguments that start the CLI (absolute paths): `[...CLI_ARGS, ...skiffArgs]`. */
export const CLI_ARGS: readonly string[] = process.env.SKIFF_TEST_CLI
  ? [process.env.SKIFF_TEST_CLI]
  : ['--import', TSX, MAIN]
/** The same as one shell command line (the paths hold no characters a shell would split). */
export const CLI_SHELL = [process.execPath, ...CLI_ARGS].join(' ')

export interface SkiffResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** `input`: written to the child's stdin (which is otherwise closed, as /dev/null). `cwd`: default the repository root. */
export function skiff(
  args: string[],
  opts: {
    cwd?: string
    env?: NodeJS.ProcessEnv
    timeoutMs?: number
    onSpawn?: (pid: number) => void
    input?: string
  } = {},
): Promise<SkiffResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
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
