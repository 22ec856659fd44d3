/** What the shell completion scripts complete, from the same tables that drive parsing. */
import type { ArgKind, CommandSpec } from '../commands/types.js'
import { SUPPORTED_TRANSPORTS } from '../transport-names.js'
import type { FlagSpec } from '../flags.js'
import { globalFlags } from '../options/global.js'

export interface CompletionCommand {
  name: string
  summary: string
  flags: FlagSpec[]
  args: readonly ArgKind[]
  hidden?: boolean
}

export interface CompletionModel {
  /** Commands offered as completions (hidden ones are still known, for their flags). */
  commands: CompletionCommand[]
  global: FlagSpec[]
  /** Offered for an image argument with no `:` yet: `dir:`, `oci:`, … */
  transports: string[]
  descriptions: boolean
}

const HELP: FlagSpec = { name: 'help', short: 'h', kind: 'bool', help: 'help for skiff' }

/** From the command table (passed in: the table loads the completion command, not the other way round). */
export function completionModel(commands: readonly CommandSpec[], descriptions = true): CompletionModel {
  return {
    commands: [
      ...commands.map((c) => ({
        name: c.name,
        summary: c.summary,
        flags: [...c.flags.filter((f) => !f.hidden), HELP],
        args: c.args,
        ...(c.hidden ? { hidden: true } : {}),
      })),
      { name: 'help', summary: 'Help about any command', flags: [], args: ['other'] },
    ],
    global: [...globalFlags, HELP, { name: 'version', short: 'v', kind: 'bool', help: 'Version for skiff' }],
    transports: SUPPORTED_TRANSPORTS.map((t) => (t === 'docker' ? 'docker://' : `${t}:`)),
    descriptions,
  }
}

/** A shell-safe single-quoted string. */
export function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}
