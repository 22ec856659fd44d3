/**
 * Rewrites argv so commander parses it with Go/pflag semantics:
 * - booleans: `--x`, `--x=true`, `--x=false`, `-a`, `-a=false` (never `--x false`) all become
 *   `--x=<true|false>` (commander sees booleans as options with an attached optional value, so a
 *   following positional argument is never taken as the value, and "unset" stays distinguishable);
 * - shorthands: `-abc` groups split, `-fVALUE` / `-f=VALUE` / `-f VALUE` become `--format VALUE`;
 * - a value flag's next token is its value, never re-interpreted;
 * - everything after `--` is left alone.
 * Unknown flags pass through for commander to reject.
 */
import { type FlagSpec, parseGoBool } from './flags.js'

/** Flags known at the top level, and those of a command by name (undefined = unknown command). */
export interface FlagLookup {
  global: ReadonlyMap<string, FlagSpec>
  command(name: string): ReadonlyMap<string, FlagSpec> | undefined
}

export interface NormalizedArgv {
  argv: string[]
  /** The first positional argument (the command name, when it is one). */
  command?: string
}

export function normalizeArgv(argv: readonly string[], lookup: FlagLookup): NormalizedArgv {
  const out: string[] = []
  let command: string | undefined
  let table: ReadonlyMap<string, FlagSpec> = lookup.global
  let sawCommand = false
  const find = (name: string): FlagSpec | undefined => table.get(name) ?? lookup.global.get(name)

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=')
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
      const spec = find(name)
      if (!spec) {
        out.push(arg)
        continue
      }
      if (spec.kind === 'bool') {
        out.push(`--${spec.name}=${eq < 0 ? true : parseGoBool(spec.name, arg.slice(eq + 1))}`)
      } else if (eq >= 0) {
        out.push(`--${spec.name}`, arg.slice(eq + 1))
      } else {
        out.push(`--${spec.name}`)
        if (i + 1 < argv.length) out.push(argv[++i]!)
      }
      continue
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // a group of shorthands: -aq, -fVALUE, -f=VALUE, -a=false
      const expanded: string[] = []
      let j = 1
      let ok = true
      while (j < arg.length) {
        const spec = find(arg[j]!)
        if (!spec || !spec.short) {
          ok = false
          break
        }
        const rest = arg.slice(j + 1)
        if (spec.kind === 'bool') {
          if (rest.startsWith('=')) {
            expanded.push(`--${spec.name}=${parseGoBool(spec.name, rest.slice(1))}`)
            j = arg.length
          } else {
            expanded.push(`--${spec.name}=true`)
            j++
          }
          continue
        }
        expanded.push(`--${spec.name}`)
        if (rest !== '') expanded.push(rest.startsWith('=') ? rest.slice(1) : rest)
        else if (i + 1 < argv.length) expanded.push(argv[++i]!)
        j = arg.length
      }
      // unknown shorthand (or -h): leave the token as it was for commander
      out.push(...(ok ? expanded : [arg]))
      continue
    }
    if (!sawCommand) {
      sawCommand = true
      command = arg
      table = lookup.command(arg) ?? lookup.global
    }
    out.push(arg)
  }
  return command === undefined ? { argv: out } : { argv: out, command }
}
