/**
 * `--src yaml`: skopeo's sync YAML, per registry in file order: `images` (listed refs, or every
 * tag), then `images-by-tag-regex`, then `images-by-semver`. Each registry's credentials,
 * tls-verify and cert-dir win over the flags for its images.
 */
import { readFile } from 'node:fs/promises'
import { parseDigest } from '../../digest/digest.js'
import { SkiffError } from '../../errors.js'
import { parseNormalizedReference, type DockerReference } from '../../reference/docker-reference.js'
import type { TransportOptions } from '../../transports/types.js'
import { compileTagRegex } from '../filters.js'
import { semverMatcher } from '../semver.js'
import type { SyncSourceSpec } from '../types.js'
import type { RegistrySyncConfig } from '../yaml-config.js'
import { dockerItem, listTags, tagged } from './docker.js'
import type { RawItem, SourceContext, SyncSource } from './types.js'

/** Source access for one YAML registry: its credentials, tls-verify and cert-dir win over the flags. */
function registryOptions(base: TransportOptions | undefined, cfg: RegistrySyncConfig): TransportOptions {
  const registry = { ...(base?.registry ?? {}) }
  if (cfg.certDir) registry.certDir = cfg.certDir
  if (cfg.tlsVerify !== undefined) registry.tlsVerify = cfg.tlsVerify
  if (cfg.credentials) {
    registry.credentials = cfg.credentials
    delete registry.anonymous
    delete registry.bearerToken
  }
  return { ...(base ?? {}), registry }
}

function repoReference(ctx: SourceContext, registry: string, repo: string): DockerReference | undefined {
  try {
    const r = parseNormalizedReference(`${registry}/${repo}`)
    if (!r.isNameOnly()) throw new Error('input names a reference, not a repository')
    return r
  } catch (e) {
    ctx.plan.onWarning?.(`${registry}: error parsing repository name "${repo}", skipping: ${(e as Error).message}`)
    return undefined
  }
}

function isDigest(s: string): boolean {
  try {
    parseDigest(s)
    return true
  } catch {
    return false
  }
}

async function* yamlRegistry(
  cfg: RegistrySyncConfig,
  spec: SyncSourceSpec,
  ctx: SourceContext,
): AsyncGenerator<RawItem> {
  const opts = registryOptions(spec.options, cfg)
  const warn = (m: string): void => ctx.plan.onWarning?.(m)
  if (!cfg.images.length && !cfg.tagRegex.length && !cfg.semver.length) {
    warn(`${cfg.registry}: no images specified for registry`)
    return
  }
  for (const { repo, refs } of cfg.images) {
    const repoRef = repoReference(ctx, cfg.registry, repo)
    if (!repoRef) continue
    let list: DockerReference[] = []
    if (refs.length) {
      for (const ref of refs) {
        try {
          list.push(isDigest(ref) ? repoRef.withDigest(ref) : repoRef.withTag(ref))
        } catch (e) {
          warn(`${repoRef.name}: error parsing ref "${ref}", skipping: ${(e as Error).message}`)
        }
      }
    } else {
      try {
        list = tagged(ctx, repoRef, await listTags(ctx, repoRef, opts))
      } catch (e) {
        warn(`${repoRef.name}: error processing repo, skipping: ${(e as Error).message}`)
        continue
      }
    }
    if (!list.length) warn(`${repoRef.name}: no refs to sync found`)
    for (const r of list) yield dockerItem(r, repoRef.name, opts)
  }
  // A pattern or constraint that does not compile fails the sync before anything is copied
  // (skopeo logs the error, skips that repository and exits 0; a mirror silently missing a
  // repository is worse than a clear error).
  const filtered: { repo: string; match: (tag: string) => boolean }[] = []
  for (const { repo, pattern } of cfg.tagRegex) {
    const re = await compileTagRegex(pattern, `${spec.input}: ${cfg.registry}: images-by-tag-regex: ${repo}`)
    filtered.push({ repo, match: (t) => re.test(t) })
  }
  try {
    for (const { repo, constraint } of cfg.semver) filtered.push({ repo, match: semverMatcher(constraint) })
  } catch (e) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `${spec.input}: ${cfg.registry}: images-by-semver: ${(e as Error).message}`,
      { cause: e },
    )
  }
  for (const { repo, match } of filtered) {
    const repoRef = repoReference(ctx, cfg.registry, repo)
    if (!repoRef) continue
    let tags: string[]
    try {
      tags = await listTags(ctx, repoRef, opts)
    } catch (e) {
      warn(`${repoRef.name}: error processing repo, skipping: ${(e as Error).message}`)
      continue
    }
    const list = tagged(ctx, repoRef, tags.filter(match))
    if (!list.length) warn(`${repoRef.name}: no refs to sync found`)
    for (const r of list) yield dockerItem(r, repoRef.name, opts)
  }
}

async function* items(spec: SyncSourceSpec, ctx: SourceContext): AsyncGenerator<RawItem> {
  let text: string
  try {
    text = await readFile(spec.input, 'utf8')
  } catch (e) {
    throw new SkiffError('ERR_IMAGE_NOT_FOUND', `cannot read the YAML file ${spec.input}: ${(e as Error).message}`, {
      cause: e,
    })
  }
  // the YAML parser loads only for --src yaml (not with every sync command)
  const { parseSyncYaml } = await import('../yaml-config.js')
  for (const cfg of parseSyncYaml(text, spec.input)) yield* yamlRegistry(cfg, spec, ctx)
}

export const yamlSource: SyncSource = { items }
