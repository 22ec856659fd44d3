/**
 * skiff's command line entry point (bundled into dist/cli/main.js with one chunk per command; bin/skiff imports it).
 * `--version` answers before anything else loads: users run skiff once per image in shell loops.
 */
import { VERSION } from '../version.js'

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`skiff version ${VERSION}\n`)
} else {
  const { runCli } = await import('./run.js')
  const code = await runCli(argv)
  // Exit now rather than when the event loop drains: a command aborted by Ctrl-C or a timeout may
  // still hold sockets or timers open. stdout/stderr writes to pipes and files are synchronous here.
  process.exit(code)
}
