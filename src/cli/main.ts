/**
 * skiff's command line entry point (bundled into dist/cli/main.js with one chunk per command; bin/skiff imports it).
 * `--version` answers before anything else loads: users run skiff once per image in shell loops.
 */
import { versionLine } from '../version.js'
import { exitBySignal, flushOutput, installCrashHandlers } from './crash.js'

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(versionLine())
} else {
  // No top-level await: the single executable (scripts/build-exe.mjs) is a CommonJS bundle, which
  // cannot have one. A failure is still fatal: the crash handlers report a rejection of run().
  void run()
}

async function run(): Promise<void> {
  const debug = argv.some((a) => a === '--debug' || a === '--debug=true')
  // --debug: stacks point into src/*.ts (the bundle ships source maps; reading them costs start-up time, so only then)
  if (debug) process.setSourceMapsEnabled(true)
  installCrashHandlers(debug)
  const { runCli, SIGNAL_EXIT } = await import('./run.js').catch((e: unknown) => {
    process.stderr.write(`skiff: cannot start (${(e as Error)?.message}); run "npm ci" to build it\n`)
    process.exit(1)
  })
  const code = await runCli(argv)
  // Exit now rather than when the event loop drains: a command aborted by Ctrl-C or a timeout may
  // still hold sockets or timers open. But first let stdout and stderr drain: writes to a pipe are
  // asynchronous once the pipe is full (`skiff inspect --raw … | slow-reader` would lose all but
  // 64 KiB), and a reader that went away (EPIPE) ends us as SIGPIPE does.
  await flushOutput()
  // Interrupted (Ctrl-C, SIGTERM): end by that signal, as Unix tools do after cleaning up (the
  // shell still sees 130/143), and so that no blocked read (a FIFO, a stalled stdin) holds the exit.
  for (const [sig, status] of Object.entries(SIGNAL_EXIT))
    if (code === status) exitBySignal(sig as NodeJS.Signals, status)
  process.exit(code)
}
