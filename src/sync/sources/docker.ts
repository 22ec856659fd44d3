/**
 * `--src docker`: one image (`host/repo:tag`, `host/repo@digest`) or every tag of a repository
 * (`host/repo`), from the registry's tag list. `--dest docker`: DESTINATION (`host[/namespace]`)
 * joined with the suffix. The helpers that name registry images are shared with yaml and list.
 */
import { InvalidReferenceError, SkiffError, isSkiffError } from '../../errors.js'
import type { RetryBudget } from '../../util/retry.js'
import { parseNormalizedReference, type DockerReference } from '../../reference/docker-reference.js'
import { DockerImageReference } from '../../transports/docker/reference.js'
import { dockerTransport } from '../../transports/docker/transport.js'
import type { TransportOptions } from '../../transports/types.js'
import type { SyncSourceSpec } from '../types.js'
import type { RawItem, SourceContext, SyncDestination, SyncSource } from './types.js'

export const dockerRef = (r: DockerReference): DockerImageReference => new DockerImageReference(dockerTransport, r)

/** The repository path without the registry host (docker.io's `library/` dropped), with :tag / @digest. */
function pathOf(r: DockerReference): string {
  const name = r.domain === 'docker.io' ? r.familiarName() : r.path
  return name + (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '')
}

/** A registry image as a raw item: named by its full reference (scoped) or its path. */
export function dockerItem(r: DockerReference, group: string, sourceOptions?: TransportOptions): RawItem {
  return {
    source: dockerRef(r),
    suffix: { scoped: r.toString(), path: pathOf(r) },
    ...(r.tag !== undefined ? { tag: r.tag } : {}),
    group,
    ...(sourceOptions ? { sourceOptions } : {}),
  }
}

/** Every tag of `repo` (retried as --retry-times says); the error names the repository. */
export async function listTags(
  ctx: SourceContext,
  repo: DockerReference,
  opts: TransportOptions | undefined,
): Promise<string[]> {
  const run = (budget?: RetryBudget): Promise<string[]> =>
    ctx.access.listTags(dockerRef(repo.withTag('latest')), budget ? { ...opts, retry: budget } : opts)
  try {
    return await (ctx.plan.retry ? ctx.plan.retry(run) : run())
  } catch (e) {
    const msg = `Error determining repository tags for repo ${repo.name}: ${(e as Error).message}`
    throw isSkiffError(e)
      ? new SkiffError(e.code, msg, { cause: e })
      : new SkiffError('ERR_REGISTRY', msg, { cause: e })
  }
}

/** Tagged references for tags of a registry listing (invalid tags are skipped, as skopeo logs them). */
export function tagged(ctx: SourceContext, repo: DockerReference, tags: string[]): DockerReference[] {
  const out: DockerReference[] = []
  for (const t of tags) {
    try {
      out.push(repo.withTag(t))
    } catch (e) {
      ctx.plan.onWarning?.(`${repo.name}: skipping tag "${t}" from the registry's tag list: ${(e as Error).message}`)
    }
  }
  return out
}

async function* items(spec: SyncSourceSpec, ctx: SourceContext): AsyncGenerator<RawItem> {
  let named: DockerReference
  try {
    named = parseNormalizedReference(spec.input)
  } catch (e) {
    throw new SkiffError(
      'ERR_INVALID_REFERENCE',
      `Cannot obtain a valid image reference for transport "docker" and reference "${spec.input}": ${(e as Error).message}`,
      { cause: e },
    )
  }
  if (named.tag !== undefined && named.digest !== undefined) {
    throw new SkiffError(
      'ERR_INVALID_REFERENCE',
      `docker://${spec.input}: references with both a tag and a digest are not supported; use either :${named.tag} or @${named.digest}`,
    )
  }
  if (!named.isNameOnly()) {
    yield dockerItem(named, named.name)
    return
  }
  const refs = tagged(ctx, named, await listTags(ctx, named, spec.options))
  if (refs.length === 0) throw new SkiffError('ERR_IMAGE_NOT_FOUND', `No images to sync found in "${spec.input}"`)
  for (const r of refs) yield dockerItem(r, named.name)
}

export const dockerSource: SyncSource = { items }

export const dockerDestination: SyncDestination = {
  keepsPath: false,
  reference({ target, suffix, appendSuffix, joined }) {
    try {
      return dockerTransport.parseReference(`//${joined}`)
    } catch (e) {
      throw new InvalidReferenceError(
        `cannot name the destination docker://${joined} (DESTINATION ${target} + ${suffix}${appendSuffix}): ${(e as Error).message}`,
        { cause: e },
      )
    }
  },
}
