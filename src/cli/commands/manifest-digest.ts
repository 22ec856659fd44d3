/** `skiff manifest-digest MANIFEST-FILE`: the digest registries give the manifest (schema1: JWS stripped). */
import { readFile } from 'node:fs/promises'
import { SkiffError } from '../../errors.js'
import { manifestDigest } from '../../manifest/parse.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'

export async function run(args: string[], _flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one argument expected')
  const path = args[0]!
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (e) {
    throw new SkiffError('ERR_IO', `Error reading manifest from ${path}: ${(e as Error).message}`, { cause: e })
  }
  let digest: string
  try {
    digest = manifestDigest(bytes)
  } catch (e) {
    throw new SkiffError(
      'ERR_MANIFEST_INVALID',
      `Error computing digest of manifest from ${path}: ${(e as Error).message}`,
      { cause: e },
    )
  }
  ctx.stdout.write(`${digest}\n`)
  return 0
}
