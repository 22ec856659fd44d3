/**
 * `skiff untag docker://REPO:TAG` (beyond skopeo): removes only the tag where the registry supports
 * it (DELETE /v2/<name>/manifests/<tag>); the image and its other tags stay. Registries that delete
 * manifests by digest only (distribution 2.x) refuse, and skiff says so and changes nothing.
 */
import { SkiffError } from '../../errors.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { singleImageOptions } from '../options/image.js'
import { runWithRetry, withBudget } from '../options/retry.js'
import { UsageError } from '../usage-error.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one argument expected')
  const { opts, retry } = singleImageOptions(flags, ctx)
  const name = args[0]!
  if (!name.startsWith('docker:')) {
    throw new SkiffError('ERR_UNSUPPORTED', `untag works on registry images only (docker://REPO:TAG), not "${name}"`)
  }
  const { untag } = await import('./registry-ops.js')
  await runWithRetry(retry, (b) => untag(name, withBudget(opts, b)), { signal: ctx.signal })
  return 0
}
