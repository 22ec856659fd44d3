/**
 * What each `--src` kind contains, as raw items (a source image plus the suffix its destination
 * is named by), in skopeo's order: docker (one image, or every tag of a repository), dir (every
 * folder holding a manifest.json, walked in lexical order), oci (every ref name in index.json),
 * yaml (per registry: images, then images-by-tag-regex, then images-by-semver), list (file order).
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { SkiffError, isSkiffError } from '../errors.js'
import { parseDigest } from '../digest/digest.js'
import { parseNormalizedReference, type DockerReference } from '../reference/docker-reference.js'
import { dirTransport } from '../transports/dir/transport.js'
import { DockerImageReference } from '../transports/docker/reference.js'
import { dockerTransport } from '../transports/docker/transport.js'
import { OciLayoutReference } from '../transports/oci-layout/transport.js'
import { readIndex, refNameOf } from '../transports/oci-layout/layout.js'
import type { ImageReference, TransportOptions } from '../transports/types.js'
import { compileTagRegex, tagOfName } from './filters.js'
import { parseImageList, readImagesFrom } from './image-list.js'
import { registryStorageImages, registryStorageRef } from '../transports/registry-storage/index.js'
import type { SuffixPair } from './naming.js'
import type { RegistryAccess } from './registry-access.js'
import { semverMatcher } from './semver.js'
import type { PlanOptions, SyncSourceSpec } from './types.js'
import { parseSyncYaml, type RegistrySyncConfig } from './yaml-config.js'
import type { RetryBudget } from '../util/retry.js'

export interface RawItem {
  source: ImageReference
  suffix: SuffixPair
  /** The tag the include/exclude filters look at (none for images named by digest). */
  tag?: string
  group: string
  sourceOptions?: TransportOptions
}

export interface SourceContext {
  access: RegistryAccess
  plan: PlanOptions
}

const dockerRef = (r: DockerReference): DockerImageReference => new DockerImageReference(dockerTransport, r)

/** The repository path without the registry host (docker.io's `library/` dropped), with :tag / @digest. */
function pathOf(r: DockerReference): string {
  const name = r.domain === 'docker.io' ? r.familiarName() : r.path
  return name + (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '')
}

function dockerItem(r: DockerReference, group: string, sourceOptions?: TransportOptions): RawItem {
  return { source: dockerRef(r), suffix: { scoped: r.toString(), path: pathOf(r) }, ...(r.tag !== undefined ? { tag: r.tag } : {}), group, ...(sourceOptions ? { sourceOptions } : {}) }
}

async function listTags(ctx: SourceContext, repo: DockerReference, opts: TransportOptions | undefined): Promise<string[]> {
  const run = (budget?: RetryBudget): Promise<string[]> => ctx.access.listTags(dockerRef(repo.withTag('latest')), budget ? { ...opts, retry: budget } : opts)
  try {
    return await (ctx.plan.retry ? ctx.plan.retry(run) : run())
  } catch (e) {
    const msg = `Error determining repository tags for repo ${repo.name}: ${(e as Error).message}`
    throw isSkiffError(e) ? new SkiffError(e.code, msg, { cause: e }) : new SkiffError('ERR_REGISTRY', msg, { cause: e })
  }
}

/** Tagged references for tags of a registry listing (invalid tags are skipped, as skopeo logs them). */
function tagged(ctx: SourceContext, repo: DockerReference, tags: string[]): DockerReference[] {
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

async function* dockerSource(spec: SyncSourceSpec, ctx: SourceContext): AsyncGenerator<RawItem> {
  let named: DockerReference
  try {
    named = parseNormalizedReference(spec.input)
  } catch (e) {
    throw new SkiffError('ERR_INVALID_REFERENCE', `Cannot obtain a valid image reference for transport "docker" and reference "${spec.input}": ${(e as Error).message}`, { cause: e })
  }
  if (named.tag !== undefined && named.digest !== undefined) {
    throw new SkiffError('ERR_INVALID_REFERENCE', `docker://${spec.input}: references with both a tag and a digest are not supported; use either :${named.tag} or @${named.digest}`)
  }
  if (!named.isNameOnly()) {
    yield dockerItem(named, named.name)
    return
  }
  const refs = tagged(ctx, named, await listTags(ctx, named, spec.options))
  if (refs.length === 0) throw new SkiffError('ERR_IMAGE_NOT_FOUND', `No images to sync found in "${spec.input}"`)
  for (const r of refs) yield dockerItem(r, named.name)
}

/** Folders holding a manifest.json below `root` (not below an image folder), lexical order as Go's WalkDir. */
async function* walkImageDirs(root: string): AsyncGenerator<string> {
  const entries = await readdir(root, { withFileTypes: true })
  if (entries.some((e) => !e.isDirectory() && e.name === 'manifest.json')) {
    yield root
    return
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.isDirectory()) yield* walkImageDirs(join(root, e.name))
  }
}

async function* dirSource(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  const base = spec.input
  try {
    await stat(base)
  } catch (e) {
    throw new SkiffError('ERR_IMAGE_NOT_FOUND', `Invalid source directory specified: ${(e as Error).message}`, { cause: e })
  }
  let n = 0
  for await (const path of walkImageDirs(base)) {
    // skopeo: strings.TrimPrefix(path, base); the source folder itself is named by its last element
    let suffix = path.startsWith(base) ? path.slice(base.length) : path
    if (suffix === '') suffix = basename(base)
    const tag = tagOfName(suffix)
    n++
    yield { source: dirTransport.parseReference(path), suffix: { scoped: suffix, path: suffix.replace(/^\/+/, '') }, ...(tag !== undefined ? { tag } : {}), group: base }
  }
  if (n === 0) throw new SkiffError('ERR_IMAGE_NOT_FOUND', `No images to sync found in "${base}"`)
}

async function* ociSource(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  const layout = spec.input
  const index = await readIndex(layout, `oci:${layout}`, false)
  for (const d of index.manifests) {
    const name = refNameOf(d)
    if (!name) continue
    const tag = tagOfName(name)
    yield { source: new OciLayoutReference(layout, { refName: name, sourceIndex: -1 }), suffix: { scoped: name, path: name }, ...(tag !== undefined ? { tag } : {}), group: layout }
  }
}

async function* listSource(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  let text: string
  try {
    text = await readFile(spec.input, 'utf8')
  } catch (e) {
    throw new SkiffError('ERR_IMAGE_NOT_FOUND', `cannot read the image list ${spec.input}: ${(e as Error).message}`, { cause: e })
  }
  for (const entry of parseImageList(text, spec.input, spec.registry)) {
    const r = entry.source
    yield { source: dockerRef(r), suffix: { scoped: r.toString(), unscoped: entry.written, path: entry.written }, ...(r.tag !== undefined ? { tag: r.tag } : {}), group: r.name }
  }
}

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

async function* yamlRegistry(cfg: RegistrySyncConfig, spec: SyncSourceSpec, ctx: SourceContext): AsyncGenerator<RawItem> {
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
    throw new SkiffError('ERR_INVALID_ARGUMENT', `${spec.input}: ${cfg.registry}: images-by-semver: ${(e as Error).message}`, { cause: e })
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

function isDigest(s: string): boolean {
  try {
    parseDigest(s)
    return true
  } catch {
    return false
  }
}

async function* yamlSource(spec: SyncSourceSpec, ctx: SourceContext): AsyncGenerator<RawItem> {
  let text: string
  try {
    text = await readFile(spec.input, 'utf8')
  } catch (e) {
    throw new SkiffError('ERR_IMAGE_NOT_FOUND', `cannot read the YAML file ${spec.input}: ${(e as Error).message}`, { cause: e })
  }
  for (const cfg of parseSyncYaml(text, spec.input)) yield* yamlRegistry(cfg, spec, ctx)
}

/**
 * Every repository and tag of the store at ROOT (sorted), or with --images-from only the listed
 * images, in list order (a listed image the store lacks fails on its own, naming the store).
 * Destinations keep the repository path, as the list source does.
 */
async function* registryStorageSource(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  const root = spec.input
  if (root === '' || root.includes(':')) {
    throw new SkiffError('ERR_INVALID_ARGUMENT', `invalid registry-storage SOURCE "${root}": the registry's rootdirectory (a path without ':') is required`)
  }
  try {
    await stat(join(root, 'docker', 'registry', 'v2'))
  } catch (e) {
    throw new SkiffError('ERR_IMAGE_NOT_FOUND', `no registry storage at ${root} (${join(root, 'docker', 'registry', 'v2')} does not exist); SOURCE must be the registry's rootdirectory`, { cause: e })
  }
  const item = (name: string, selector: string, tag: string | undefined): RawItem => {
    const written = `${name}${tag !== undefined ? ':' : '@'}${selector}`
    return { source: registryStorageRef(root, name, selector), suffix: { scoped: written, unscoped: written }, ...(tag !== undefined ? { tag } : {}), group: name }
  }
  if (spec.imagesFrom !== undefined) {
    for (const e of await readImagesFrom(spec.imagesFrom)) yield item(e.name, e.tag ?? e.digest!, e.tag)
    return
  }
  let n = 0
  for await (const { name, tag } of registryStorageImages(root)) {
    n++
    yield item(name, tag, tag)
  }
  if (n === 0) throw new SkiffError('ERR_IMAGE_NOT_FOUND', `No images to sync found in "${root}" (the registry storage has no tagged images)`)
}

export function sourceItems(spec: SyncSourceSpec, ctx: SourceContext): AsyncGenerator<RawItem> {
  switch (spec.kind) {
    case 'docker':
      return dockerSource(spec, ctx)
    case 'dir':
      return dirSource(spec)
    case 'oci':
      return ociSource(spec)
    case 'list':
      return listSource(spec)
    case 'yaml':
      return yamlSource(spec, ctx)
    case 'registry-storage':
      return registryStorageSource(spec)
  }
}
