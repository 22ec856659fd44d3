/**
 * What a command is: its spec in the command table (command-table.ts) and the module it loads
 * lazily. Commands import these types from here, not from the table that loads them.
 */
import type { FlagSpec, FlagValues } from '../flags.js'
import type { GlobalOptions } from '../options/global.js'
import type { SkiffContext } from '../../registry/context.js'

export interface CommandContext {
  /** The command being run (`copy`, …). */
  commandName: string
  global: GlobalOptions
  /** Aborted on Ctrl-C, SIGTERM and --command-timeout. */
  signal: AbortSignal
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream
  /** The command table (command-table.ts), for commands that describe the others (completion). */
  commands: readonly CommandSpec[]
  /** The library context of this command (registry clients, caches, --debug log); closed when it ends. */
  context: SkiffContext
}

export interface CommandModule {
  /** Returns the exit code (0 when undefined). Throws SkiffError for failures. */
  run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number | void>
}

/** What a positional argument is, for completion. */
export type ArgKind = 'image' | 'file' | 'shell' | 'other'

export interface CommandSpec {
  name: string
  summary: string
  description?: string
  /** After the command name in the usage line. */
  usage: string
  example?: string
  flags: readonly FlagSpec[]
  args: readonly ArgKind[]
  /** A skopeo command a later version of skiff will have: listed, fails clearly. */
  planned?: boolean
  /** Not listed in help nor offered by completion (as skopeo's `completion`). */
  hidden?: boolean
  load(): Promise<CommandModule>
}
