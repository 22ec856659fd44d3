/**
 * `skiff delete IMAGE-NAME`: deletes an image where the transport can (docker://: a tag is resolved
 * to its manifest digest and the manifest is deleted, which removes every tag pointing at it).
 */
import { SkiffError } from '../../errors.js'
import { parseImageName } from '../../transports/registry.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { singleImageOptions } from '../options/image.js'
import { runWithRetry, withBudget } from '../options/retry.js'
import { UsageError } from '../usage-error.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one argument expected')
  const { opts, retry } = singleImageOptions(flags, ctx)
  const ref = parseImageName(args[0]!)
  if (!ref.deleteImage) {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `deleting images is not supported for ${ref.transport.name}: images in this version of skiff (${ref.toString()}); skiff deletes from registries (docker://)`,
      { image: ref.toString() },
    )
  }
  await runWithRetry(retry, (b) => ref.deleteImage!(withBudget(opts, b)), { signal: ctx.signal })
  return 0
}
