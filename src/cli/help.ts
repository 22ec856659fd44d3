/** Help texts laid out as skopeo's (cobra's) are: description, Usage, Examples, Flags. */
import { flagArgName, type FlagSpec } from './flags.js'
import { COMMANDS } from './command-table.js'
import type { CommandSpec } from './commands/types.js'
import { globalFlags } from './options/global.js'

const PLANNED_NOTE = ' (not available in this version of skiff yet)'

/** cobra's FlagUsages: `  -a, --all   help` / `      --authfile string   help`, sorted, aligned. */
export function formatFlags(specs: readonly FlagSpec[]): string {
  const rows = [...specs]
    .filter((s) => !s.hidden)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => {
      const arg = flagArgName(s)
      const left = `${s.short ? `  -${s.short}, ` : '      '}--${s.name}${arg ? ` ${arg}` : ''}`
      return [left, s.help] as const
    })
  const width = Math.max(0, ...rows.map(([l]) => l.length))
  return rows.map(([l, h]) => `${l.padEnd(width)}   ${h}`).join('\n')
}

const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', kind: 'bool', help: 'help for skiff' }
const VERSION_FLAG: FlagSpec = { name: 'version', short: 'v', kind: 'bool', help: 'Version for skiff' }

export function rootHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 'help'.length) + 2
  const cmds = [
    ...COMMANDS.filter((c) => !c.hidden),
    { name: 'help', summary: 'Help about any command' } as CommandSpec,
  ]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((c) => `  ${c.name.padEnd(width)}${c.summary}${c.planned ? PLANNED_NOTE : ''}`)
  return [
    'Various operations with container images and container image registries',
    '',
    'Usage:',
    '  skiff [flags]',
    '  skiff [command]',
    '',
    'Available Commands:',
    ...cmds,
    '',
    'Flags:',
    formatFlags([...globalFlags, HELP_FLAG, VERSION_FLAG]),
    '',
    'Use "skiff [command] --help" for more information about a command.',
    '',
  ].join('\n')
}

export function commandHelp(c: CommandSpec): string {
  const parts: string[] = []
  parts.push(`${c.description ?? c.summary}${c.planned ? `\n\nThis command is${PLANNED_NOTE}.` : ''}`, '')
  parts.push('Usage:', `skiff ${c.usage}`, '')
  if (c.example) parts.push('Examples:', c.example, '')
  parts.push('Flags:', formatFlags([...c.flags, { ...HELP_FLAG, help: `help for ${c.name}` }]), '')
  return parts.join('\n') + '\n'
}
