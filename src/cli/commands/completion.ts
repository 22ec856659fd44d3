/** `skiff completion bash|zsh|fish`: prints the completion script for that shell. */
import type { CommandContext } from './types.js'
import { bashCompletion } from '../completion/bash.js'
import { fishCompletion } from '../completion/fish.js'
import { completionModel } from '../completion/model.js'
import { zshCompletion } from '../completion/zsh.js'
import type { FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'

const GENERATORS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one argument expected: the shell (bash, zsh or fish)')
  const shell = args[0]!
  if (shell === 'powershell')
    throw new UsageError('completion for powershell is not available in skiff; use bash, zsh or fish')
  const gen = GENERATORS[shell as keyof typeof GENERATORS]
  if (!gen) throw new UsageError(`unknown shell "${shell}": use bash, zsh or fish`)
  ctx.stdout.write(gen(completionModel(ctx.commands, !(flags.bool('no-descriptions') ?? false))))
  return 0
}
