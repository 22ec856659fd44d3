/** skopeo commands that a later version of skiff will have: they say so, in one line, and exit 1. */
import { SkiffError } from '../../errors.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'

export function notAvailable(what: string): SkiffError {
  return new SkiffError('ERR_UNSUPPORTED', `${what} is not available in this version of skiff yet; use skopeo for now`)
}

export async function run(_args: string[], _flags: FlagValues, ctx: CommandContext): Promise<number> {
  throw notAvailable(`"skiff ${ctx.commandName}"`)
}
