/**
 * `skiff list-tags SOURCE-IMAGE`: the tags of a registry repository (docker://REPO, every page)
 * or of a docker-archive file, printed as skopeo does (Go's 4-space MarshalIndent):
 * `{"Repository": "host/repo", "Tags": [...]}` / `{"Tags": [...]}`.
 */
import { SkiffError } from '../../errors.js'
import { listArchiveTags } from '../../transports/docker-archive/list-tags.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { jsonOutput } from '../../go/json.js'
import { singleImageOptions } from '../options/image.js'
import { runWithRetry, withBudget } from '../options/retry.js'
import { UsageError } from '../usage-error.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one non-option argument expected')
  const { opts, retry } = singleImageOptions(flags, ctx)

  const name = args[0]!
  const i = name.indexOf(':')
  const transport = i > 0 ? name.slice(0, i) : ''
  const details = i > 0 ? name.slice(i + 1) : ''
  if (transport === 'docker') {
    const ops = await import('./registry-ops.js')
    const named = ops.parseDockerRepository(details)
    const tags = await runWithRetry(retry, (b) => ops.listRepositoryTags(named, withBudget(opts, b)), {
      signal: ctx.signal,
    })
    ctx.stdout.write(jsonOutput({ Repository: named.name, Tags: tags }))
    return 0
  }
  if (transport === 'registry-storage-archive') {
    // skiff's release bundles: PATH[:NAME] (a repository's tags, or every NAME:TAG)
    const { listBundleTags } = await import('../../transports/registry-storage-archive/list-tags.js')
    const colon = details.indexOf(':')
    const path = colon < 0 ? details : details.slice(0, colon)
    if (path === '') throw new UsageError(`invalid image name "${name}": registry-storage-archive: needs a path`)
    const repo = colon < 0 ? undefined : details.slice(colon + 1)
    const tags = await listBundleTags(path, repo, ctx.global.tmpdir ? { tmpdir: ctx.global.tmpdir } : {})
    ctx.stdout.write(jsonOutput(repo === undefined ? { Tags: tags } : { Repository: repo, Tags: tags }))
    return 0
  }
  if (transport !== 'docker-archive') {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `Unsupported transport '${transport || name}' for tag listing. Only supported: docker, docker-archive`,
    )
  }
  const colon = details.indexOf(':')
  const path = colon < 0 ? details : details.slice(0, colon)
  if (path === '') throw new UsageError(`invalid image name "${name}": docker-archive: needs a path`)
  const tags = await listArchiveTags(path, {
    ...(ctx.global.tmpdir ? { tmpdir: ctx.global.tmpdir } : {}),
    signal: ctx.signal,
  })
  ctx.stdout.write(jsonOutput({ Tags: tags }))
  return 0
}
