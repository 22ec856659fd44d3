/**
 * `skiff list-repos REGISTRY` (beyond skopeo): the repositories of a registry (GET /v2/_catalog,
 * following pagination), printed like list-tags: `{"Registry": "host", "Repositories": [...]}`.
 */
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { jsonOutput } from '../../go/json.js'
import { singleImageOptions } from '../options/image.js'
import { runWithRetry, withBudget } from '../options/retry.js'
import { UsageError } from '../usage-error.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one argument expected')
  const { opts, retry } = singleImageOptions(flags, ctx)
  const ops = await import('./registry-ops.js')
  const registry = ops.parseRegistryName(args[0]!)
  const repos = await runWithRetry(retry, (b) => ops.listRepositories(registry, withBudget(opts, b)), {
    signal: ctx.signal,
  })
  ctx.stdout.write(jsonOutput({ Registry: registry, Repositories: repos }))
  return 0
}
