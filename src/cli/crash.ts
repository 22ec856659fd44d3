/**
 * The last line of defence: no Node stack trace ever reaches a user.
 * - An error that is not a SkiffError or an I/O error (a bug: TypeError, RangeError, …), thrown by a
 *   command or escaping as an uncaught exception / unhandled rejection, prints one line,
 *   `skiff: internal error: MESSAGE (run with --debug for details)`, and exits 1. With --debug the
 *   stack (and the chain of causes) follows.
 * - stdout closed by its reader (`skiff … | head -c 1`): stop quietly, as skopeo and coreutils do —
 *   by SIGPIPE, so the shell sees status 141 (128 + 13), with no message.
 */
import { isSkiffError, causeChain } from '../errors.js'
import { cleanupTempPaths } from '../util/cleanup.js'

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name
  return String(e)
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim()
}

/** An operating-system error (errno) or a network error of undici: a message worth showing as it is. */
function isEnvironmentError(e: unknown): boolean {
  const o = e as { errno?: unknown; code?: unknown; syscall?: unknown } | null | undefined
  if (!o || typeof o !== 'object') return false
  if (typeof o.errno === 'number' || typeof o.syscall === 'string') return true
  return typeof o.code === 'string' && o.code.startsWith('UND_ERR_')
}

/** A bug rather than a problem with the input or the environment. */
export function isInternalError(e: unknown): boolean {
  return !isSkiffError(e) && !isEnvironmentError(e)
}

export function internalErrorLine(e: unknown, debug = false): string {
  return `skiff: internal error: ${oneLine(messageOf(e))}${debug ? '' : ' (run with --debug for details)'}\n`
}

/** Writes the stack and the chain of causes (--debug). */
export function writeDebugDetails(e: unknown, out: NodeJS.WritableStream): void {
  let x: unknown = e
  for (let depth = 0; x !== undefined && x !== null && depth < 10; depth++) {
    if (depth > 0) out.write(`caused by: ${messageOf(x)}\n`)
    if (x instanceof Error && x.stack) out.write(`${x.stack}\n`)
    const code = (x as { code?: unknown }).code
    if (code !== undefined) out.write(`  code: ${String(code)}\n`)
    x = (x as { cause?: unknown }).cause
  }
}

/** Whether `e` (or a cause) is EPIPE from writing descriptor `fd` (util/output.ts records it). */
export function isBrokenPipeOn(e: unknown, fd: number): boolean {
  for (const x of causeChain(e)) {
    if ((x as { code?: unknown }).code === 'EPIPE' && (x as { fd?: unknown }).fd === fd) return true
  }
  return false
}

/** Whether `e` (or a cause) is EPIPE. */
export function isBrokenPipe(e: unknown): boolean {
  for (const x of causeChain(e)) {
    if ((x as { code?: unknown }).code === 'EPIPE') return true
  }
  return false
}

/**
 * Ends the process as killed by `sig` (its default action), as a Unix tool does after cleaning up:
 * the shell sees 128+N. Dying by the signal also skips the exit-time join of libuv's thread pool,
 * which would wait forever for a read that is blocked (a FIFO or a stalled stdin being read).
 */
export function exitBySignal(sig: NodeJS.Signals, status: number): never {
  cleanupTempPaths()
  // Node may ignore or catch the signal; listening and unlistening hands it back to its default action.
  const noop = (): void => {}
  process.on(sig, noop)
  process.off(sig, noop)
  process.kill(process.pid, sig)
  // Should the signal not end us (it is blocked by the parent), exit with the same status.
  process.exit(status)
}

/** Ends the process as a Unix tool does when its output pipe is closed: killed by SIGPIPE (status 141). */
export function exitBrokenPipe(): never {
  exitBySignal('SIGPIPE', 141)
}

/** Thrown by a command whose output file is our stdout when its reader went away: end as exitBrokenPipe does. */
export class StdoutClosed extends Error {
  /** never worth a retry (util/retry.ts isRetryable reads this) */
  readonly retryable = false
  constructor(cause: unknown) {
    super('stdout was closed by its reader', { cause })
  }
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or failed). */
function drained(stream: NodeJS.WriteStream): Promise<Error | null | undefined> {
  if (stream.destroyed) return Promise.resolve(stream.errored)
  if (stream.writableLength === 0) return Promise.resolve(null)
  return new Promise((resolve) => stream.write('', (e) => resolve(e)))
}

/** Waits for stdout and stderr to drain; a closed stdout ends the process as SIGPIPE does. */
export async function flushOutput(): Promise<void> {
  const [out] = await Promise.all([drained(process.stdout), drained(process.stderr)])
  if (isBrokenPipe(out)) exitBrokenPipe()
}

let installed = false

/** Installs the process-wide handlers (once). `debug`: print stacks of internal errors. */
export function installCrashHandlers(debug: boolean): void {
  if (installed) return
  installed = true
  const onFatal = (e: unknown): void => {
    if (isBrokenPipe(e)) exitBrokenPipe()
    try {
      process.stderr.write(internalErrorLine(e, debug))
      if (debug) writeDebugDetails(e, process.stderr)
    } catch {
      // stderr is gone too: nothing left to tell
    }
    process.exit(1)
  }
  process.on('uncaughtException', onFatal)
  process.on('unhandledRejection', onFatal)
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') exitBrokenPipe()
    onFatal(e)
  })
  // stderr closed: carry on without messages rather than crash on the next warning
  process.stderr.on('error', () => {})
}
