/**
 * Builds the commander program from the command table and parses argv (after Go/pflag
 * normalization) into an Invocation: which command, its arguments, typed flag values. Parsing
 * never runs a command, so it can be tested in-process.
 */
import { Command, CommanderError, Option } from 'commander'
import { versionLine } from '../version.js'
import { normalizeArgv } from './argv.js'
import { COMMANDS, findCommand } from './command-table.js'
import type { CommandSpec } from './commands/types.js'
import { FlagValues, flagTable, parseFlagValue, type FlagSpec, type FlagValue } from './flags.js'
import { commandHelp, rootHelp } from './help.js'
import { globalFlags, globalOptionsFrom, type GlobalOptions } from './options/global.js'
import { UsageError } from './usage-error.js'

export type Invocation =
  | { kind: 'run'; command: CommandSpec; args: string[]; flags: FlagValues; global: GlobalOptions }
  /** Help or version was printed: exit with this code. */
  | { kind: 'exit'; exitCode: number }

function toOption(s: FlagSpec): Option {
  const o = new Option(
    `${s.short ? `-${s.short}, ` : ''}--${s.name} ${s.kind === 'bool' ? '[bool]' : '<value>'}`,
    s.help,
  )
  // `--no-creds` is a flag of its own, not the negation of `--creds`.
  o.negate = false
  o.argParser((raw: string, prev: FlagValue) => parseFlagValue(s, raw, prev))
  if (s.hidden) o.hideHelp()
  return o
}

function addFlags(cmd: Command, specs: readonly FlagSpec[]): Map<string, Option> {
  const m = new Map<string, Option>()
  for (const s of specs) {
    const o = toOption(s)
    cmd.addOption(o)
    m.set(s.name, o)
  }
  return m
}

function valuesOf(cmd: Command, options: Map<string, Option>): FlagValues {
  const raw = cmd.opts()
  const m = new Map<string, FlagValue>()
  for (const [name, o] of options) m.set(name, raw[o.attributeName()] as FlagValue)
  return new FlagValues(m)
}

/** Commander's error messages, reworded as pflag/cobra's. */
function usageErrorFrom(e: CommanderError, command: string | undefined): UsageError {
  const msg = e.message.replace(/^error: /, '').split('\n')[0]!
  let m: RegExpExecArray | null
  let text = msg
  if (e.code === 'commander.unknownOption' && (m = /unknown option '([^']+)'/.exec(msg)))
    text = `unknown flag: ${m[1]!.replace(/=.*$/, '')}`
  else if (e.code === 'commander.optionMissingArgument' && (m = /option '(?:-\w, )?(--[^ ']+)/.exec(msg)))
    text = `flag needs an argument: ${m[1]}`
  return new UsageError(text, command)
}

/** Where help, version and usage text go (the process's own streams by default). */
export interface CliOutput {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

export async function parseInvocation(
  argv: readonly string[],
  out: CliOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<Invocation> {
  const normalized = normalizeArgv(argv, {
    global: flagTable(globalFlags),
    command: (name) => {
      const c = findCommand(name)
      return c ? flagTable(c.flags) : undefined
    },
  })
  const commandName = normalized.command && findCommand(normalized.command) ? normalized.command : undefined

  let chosen: { spec: CommandSpec; cmd: Command; options: Map<string, Option>; args: string[] } | undefined
  const program = new Command('skiff')
  program
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.stdout.write(s),
      writeErr: (s) => out.stderr.write(s),
      outputError: () => {},
    })
    .configureHelp({ formatHelp: () => rootHelp() })
    .version(versionLine().trimEnd(), '-v, --version', 'Version for skiff')
    .helpOption('-h, --help', 'help for skiff')
    .helpCommand('help [command]', 'Help about any command')
    .allowExcessArguments(true)
    .argument('[command]')
  const globalOptions = addFlags(program, globalFlags)
  let rootCommandArg: string | undefined
  program.action((cmd: string | undefined) => {
    rootCommandArg = cmd
  })

  for (const spec of COMMANDS) {
    const sub = program.command(spec.name).description(spec.summary).argument('[args...]').allowExcessArguments(true)
    sub.configureHelp({ formatHelp: () => commandHelp(spec) })
    sub.helpOption('-h, --help', `help for ${spec.name}`)
    if (spec.planned) sub.allowUnknownOption(true)
    // start-up: commander checks every option it registers against the ones before it, so only the
    // command being run gets its flags (all of them when no known command was named: help, errors)
    const options = commandName === undefined || commandName === spec.name ? addFlags(sub, spec.flags) : new Map()
    sub.action((args: string[], _opts: unknown, cmd: Command) => {
      chosen = { spec, cmd, options, args }
    })
  }

  try {
    await program.parseAsync(normalized.argv, { from: 'user' })
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return { kind: 'exit', exitCode: e.exitCode }
      throw usageErrorFrom(e, commandName)
    }
    if (e instanceof UsageError && e.command === undefined) e.command = commandName ?? ''
    throw e
  }
  const global = globalOptionsFrom(valuesOf(program, globalOptions))
  if (!chosen) {
    if (rootCommandArg !== undefined) throw new UsageError(`Unrecognized command \`skiff ${rootCommandArg}\``, '')
    // as skopeo: a usage error, not the help
    throw new UsageError("Missing command 'skiff COMMAND'", '')
  }
  return { kind: 'run', command: chosen.spec, args: chosen.args, flags: valuesOf(chosen.cmd, chosen.options), global }
}
