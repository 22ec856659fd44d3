/**
 * Runs one CLI invocation: parse, then the command under an AbortSignal that Ctrl-C, SIGTERM and
 * --command-timeout abort. Returns the exit code; `interrupted` tells main.ts to exit at once.
 */
import { SkiffError } from '../errors.js'
import { newContext } from '../registry/context.js'
import { cleanupTempPaths } from '../util/cleanup.js'
import { COMMANDS } from './command-table.js'
import type { CommandContext } from './commands/types.js'
import { formatGoDuration } from './duration.js'
import { parseInvocation } from './program.js'
import { reportError } from './report.js'
import { StdoutClosed, exitBrokenPipe, exitBySignal } from './crash.js'
import { UsageError } from './usage-error.js'

/** The status a shell shows for a process killed by the signal (main.ts ends by the signal itself). */
export const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

/** How long a command gets to unwind (remove partial files) after Ctrl-C before we exit anyway. */
const GRACE_MS = 2000
/** The commands that write images to registries: the only ones whose blob-location records pay (mounts). */
const WRITES_BLOB_LOCATIONS = new Set(['copy', 'sync'])

/**
 * `io`: the streams the command writes to (default the process's). main.ts passes none; the tests
 * run the CLI in their own process with captured streams (test/cli/run-skiff.ts).
 */
export async function runCli(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream } = {
    stdout: process.stdout,
    stderr: process.stderr,
  },
): Promise<number> {
  const { stdout, stderr } = io
  const debugRequested = argv.some((a) => a === '--debug' || a === '--debug=true')
  let inv
  try {
    inv = await parseInvocation(argv, io)
  } catch (e) {
    return reportError(e, { debug: debugRequested, stderr })
  }
  if (inv.kind === 'exit') return inv.exitCode

  const { command, args, flags, global } = inv
  const controller = new AbortController()
  let stopReason: { code: number; error: SkiffError } | undefined
  let wake: () => void = () => {}
  const stopped = new Promise<void>((resolve) => (wake = resolve))

  const onSignal = (sig: NodeJS.Signals): void => {
    const code = SIGNAL_EXIT[sig] ?? 1
    if (stopReason) {
      // a second Ctrl-C: do not wait any longer
      exitBySignal(sig, code)
    }
    stopReason = { code, error: new SkiffError('ERR_ABORTED', `interrupted by ${sig}; partial output was removed`) }
    controller.abort(stopReason.error)
    setTimeout(wake, GRACE_MS).unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  let timer: NodeJS.Timeout | undefined
  if (global.commandTimeoutMs !== undefined) {
    const ms = global.commandTimeoutMs
    timer = setTimeout(() => {
      stopReason = {
        code: 1,
        error: new SkiffError(
          'ERR_TIMEOUT',
          `command timed out after ${formatGoDuration(ms)} (--command-timeout ${formatGoDuration(ms)}); partial output was removed`,
        ),
      }
      controller.abort(stopReason.error)
      // give the command a moment to unwind, then stop waiting for it
      setTimeout(wake, GRACE_MS).unref()
    }, ms)
    timer.unref()
  }

  // one context per command; --debug: the registry client's request log (credentials and tokens are redacted before writing).
  // Only the commands that push write the blob-location cache (cross-repository mounts): a read-only
  // command's records would pay only for a later push to the registry it read from.
  const context = newContext({
    ...(global.debug ? { debugLog: (line: string) => stderr.write(`skiff: debug: ${line}\n`) } : {}),
    writeBlobLocations: WRITES_BLOB_LOCATIONS.has(command.name),
  })
  const ctx: CommandContext = {
    commandName: command.name,
    global,
    signal: controller.signal,
    stdout,
    stderr,
    commands: COMMANDS,
    context,
  }
  try {
    if (command.name !== 'copy' && global.debug)
      stderr.write(`skiff: debug: running ${command.name} ${args.join(' ')}\n`)
    const mod = await command.load()
    const work = mod.run(args, flags, ctx)
    work.catch(() => {}) // handled below; may lose the race against `stopped`
    const code = await Promise.race([work, stopped.then(() => Promise.reject(stopReason!.error))])
    if (stopReason) throw stopReason.error
    return code ?? 0
  } catch (e) {
    if (stopReason) {
      cleanupTempPaths()
      reportError(stopReason.error, { debug: global.debug, stderr })
      if (global.debug && e !== stopReason.error) reportError(e, { debug: true, stderr })
      return stopReason.code
    }
    if (e instanceof StdoutClosed) exitBrokenPipe()
    if (e instanceof UsageError && e.command === undefined) e.command = command.name
    return reportError(e, { debug: global.debug, stderr })
  } finally {
    // what a command left held (nothing, normally); not after Ctrl-C/timeout: a stalled request would hold the exit
    if (!stopReason) await context.close().catch(() => {})
    if (timer) clearTimeout(timer)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
