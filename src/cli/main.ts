/**
 * skiff's command line entry point (bundled into dist/cli/main.js with one chunk per command; bin/skiff imports it).
 * `--version` answers before anything else loads: users run skiff once per image in shell loops.
 */
import * as nodeModule from 'node:module'
import { setFlagsFromString, startupSnapshot } from 'node:v8'
import { versionLine } from '../version.js'
import { exitBySignal, flushOutput, installCrashHandlers } from './crash.js'

// The single executable can be built with a V8 start-up snapshot (scripts/build-exe.mjs): then
// this file runs once at build time, initialises the modules a registry command needs (preload)
// and the process of each later start begins in main(), with those modules already in its heap.
// Nothing read from the process (argv, env, cwd, pid, the clock) may be kept by a module's top
// level: see "Lazy top levels" in docs/ARCHITECTURE.md.
if (startupSnapshot?.isBuildingSnapshot()) {
  startupSnapshot.setDeserializeMainFunction(main)
  void preload()
} else main()

function main(): void {
  const argv = process.argv.slice(2)
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(versionLine())
  } else {
    // No top-level await: the single executable (scripts/build-exe.mjs) is a CommonJS bundle, which
    // cannot have one. A failure is still fatal: the crash handlers report a rejection of run().
    void run(argv)
  }
}

/**
 * Snapshot build only: initialises the modules of the per-image commands (copy, inspect, sync and
 * the registry client under them). Loading only runs module top levels; nothing connects.
 */
async function preload(): Promise<void> {
  await Promise.all([
    import('./run.js'),
    import('./commands/copy.js'),
    import('./commands/inspect.js'),
    import('../transports/docker/source.js'),
    import('../transports/docker/destination.js'),
    import('../registry/pool.js'),
    import('../registry/credentials.js'),
  ])
}

async function run(argv: string[]): Promise<void> {
  const debug = argv.some((a) => a === '--debug' || a === '--debug=true')
  // --debug: stacks point into src/*.ts (the bundle ships source maps; reading them costs start-up time, so only then)
  if (debug) process.setSourceMapsEnabled(true)
  installCrashHandlers(debug)
  // Node ≥ 22.1: V8 keeps the compiled code of the chunks loaded after this point (run.js, the
  // command, the registry client) in Node's compile cache ($NODE_COMPILE_CACHE, else the temp dir),
  // so a later process skips compiling them. Node 20 has no such cache (nothing happens there).
  // Not in the single executable: all its code is in one script (in its snapshot or with its own
  // code cache), which the compile cache never holds; enabling it there only cost time at exit.
  if (!(globalThis as { __skiffExe?: boolean }).__skiffExe)
    (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.()
  // undici parses HTTP with llhttp compiled to WebAssembly; V8 compiles it with TurboFan too, on a
  // background thread that exit waits for: ~0.2 s of CPU and ~35 MiB of RSS in every process that
  // talks to a registry (a short `inspect docker://` doubled). The baseline compiler alone parses
  // headers fast enough (a body is passed through, not parsed byte by byte). A process-wide V8
  // setting, so the CLI sets it (it owns the process), not the library.
  // Set after V8 started, a flag's implications are not applied: Node 24 still tiered hot llhttp
  // functions up to TurboFan (dynamic tiering; a third of an `inspect docker://`'s CPU in the
  // executable, by perf), so the tier-up flags are turned off by name too.
  setFlagsFromString('--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering')
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
