/**
 * Runs skiff's CLI for a test: `skiff(args)` → exit code, stdout, stderr.
 *
 * Most runs happen in this process (runInProcess below): src/cli/run.ts's runCli with captured
 * output streams, `process.env` and the working directory set as a child would have them, one run
 * at a time. A start of the CLI as a process costs ~0.3 s of CPU; the suite runs it hundreds of
 * times. A run is still a child process when what is tested needs one: stdin (`input`), signals
 * (`onSpawn`), `login` (reads stdin or a terminal), `--version` alone (main.ts answers it before
 * anything loads), paths under /dev or /proc (the child's own fds), `spawn: true` (a test that
 * depends on per-process state: stale temp files of other processes are swept from a folder once
 * per process) and SKIFF_TEST_SPAWN=1 (every run).
 *
 * The child is the bundle scripts/run-tests.mjs built from the current src/ for this run
 * ($SKIFF_TEST_CLI, the same build as dist/cli/; it starts in a fifth of the time), otherwise
 * `node --import tsx src/cli/main.ts`. Either way the tests never depend on `npm run build` being
 * up to date.
 */
import { spawn } from 'node:child_process'
import { Writable } from 'node:stream'
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

export interface SkiffOptions {
  /** Default the repository root. */
  cwd?: string
  /** Added to process.env (an `undefined` value removes the variable). */
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Runs a child process and calls this with its pid. */
  onSpawn?: (pid: number) => void
  /** Runs a child process with this on its stdin (which is otherwise closed, as /dev/null). */
  input?: string
  /** Always a child process. */
  spawn?: boolean
}

/** Whether this run needs a process of its own (see the top of this file). */
function needsChild(args: string[], opts: SkiffOptions): boolean {
  return (
    process.env.SKIFF_TEST_SPAWN === '1' ||
    opts.spawn === true ||
    opts.input !== undefined ||
    opts.onSpawn !== undefined ||
    (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) ||
    args.includes('login') ||
    args.some((a) => a.includes('/dev/') || a.includes('/proc/'))
  )
}

export function skiff(args: string[], opts: SkiffOptions = {}): Promise<SkiffResult> {
  return needsChild(args, opts) ? skiffChild(args, opts) : runInProcess(args, opts)
}

/** Collects what is written (a pipe to the test, as a child's stdout would be: not a TTY). */
class Capture extends Writable {
  private readonly chunks: Buffer[] = []
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk))
    cb()
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

let last: Promise<unknown> = Promise.resolve()

/**
 * runCli in this process, one run at a time (process.env and the working directory are the run's
 * while it lasts). Warnings Node prints for the run (e.g. MaxListenersExceededWarning) are added
 * to its stderr, as a child would print them there.
 */
function runInProcess(args: string[], opts: SkiffOptions): Promise<SkiffResult> {
  const run = async (): Promise<SkiffResult> => {
    const { runCli } = await import('../../src/cli/run.js')
    const stdout = new Capture()
    const stderr = new Capture()
    const warnings: string[] = []
    const onWarning = (w: Error): void => void warnings.push(`(node:${process.pid}) ${w.name}: ${w.message}\n`)
    const env: NodeJS.ProcessEnv = {}
    for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = String(v)
    const savedEnv = process.env
    const savedCwd = process.cwd()
    let timer: NodeJS.Timeout | undefined
    process.on('warning', onWarning)
    try {
      process.env = env
      process.chdir(opts.cwd ?? ROOT)
      const ms = opts.timeoutMs ?? 60_000
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`skiff ${args.join(' ')}: no exit within ${ms} ms (in-process run)`)),
          ms,
        )
      })
      const code = await Promise.race([
        runCli(args, { stdout, stderr: stderr as unknown as NodeJS.WriteStream }),
        timeout,
      ])
      return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() + warnings.join('') }
    } finally {
      clearTimeout(timer)
      process.off('warning', onWarning)
      process.env = savedEnv
      process.chdir(savedCwd)
    }
  }
  const p = last.then(run, run)
  last = p.catch(() => {})
  return p
}

function skiffChild(args: string[], opts: SkiffOptions): Promise<SkiffResult> {
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
