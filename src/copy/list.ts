/**
 * Copies a manifest list / OCI index: one instance chosen by platform (the default), every
 * instance (--all), only the list (index-only), or the instances of some platforms (a sparse list,
 * or a stripped one).
 */
import { SkiffError, causeChain, opt, withOptions } from '../errors.js'
import { manifestDigest, resolveMediaType } from '../manifest/parse.js'
import { NO_MATCH_PREFIX, chooseInstance, formatPlatform, platformMatches } from '../manifest/platform.js'
import { flavorOf } from '../manifest/layer-types.js'
import { rewriteList } from '../manifest/serialize.js'
import { verifyBytes } from '../digest/verify.js'
import type { ListEntry, ManifestList } from '../manifest/types.js'
import { chooseListType, imageTypeForList } from './manifest-plan.js'
import { copySingleImage, manifestSourcePath } from './single.js'
import type { CopyContext, WrittenManifest } from './context.js'
import type { PolicyImage } from '../policy/types.js'
import { createSignatures, refuseInvalidatedSignatures, sourceSignatures } from './signatures.js'

/** A registry's MANIFEST_BLOB_UNKNOWN (distribution: a list references a manifest the repository lacks). */
function isManifestBlobUnknown(e: unknown): boolean {
  for (const x of causeChain(e)) {
    const entries = (x as { registryErrors?: Array<{ code?: string }> }).registryErrors
    if (entries?.some((r) => r.code === 'MANIFEST_BLOB_UNKNOWN')) return true
  }
  return false
}

async function getInstance(ctx: CopyContext, entry: ListEntry): Promise<{ bytes: Buffer; mediaType: string }> {
  const got = await ctx.src.getManifest(entry.digest)
  verifyBytes(got.bytes, entry.digest, `${ctx.srcName}: manifest ${entry.digest}`)
  return { bytes: got.bytes, mediaType: resolveMediaType(got.bytes, got.mediaType || entry.mediaType) }
}

/** `top`: the list itself as the policy sees it (its own signatures). */
export async function copyList(
  ctx: CopyContext,
  bytes: Buffer,
  list: ManifestList,
  top: PolicyImage,
): Promise<WrittenManifest> {
  const mode = ctx.multiArch
  if (mode === 'system') {
    let entry: ListEntry
    try {
      entry = chooseInstance(list, ctx.platform, ctx.srcName)
    } catch (e) {
      // skopeo copy's wording: "choosing an image from manifest list IMAGE: no image found …"
      if (e instanceof SkiffError && e.code === 'ERR_NO_MATCHING_PLATFORM') {
        throw new SkiffError(
          e.code,
          `choosing an image from manifest list ${ctx.srcName}: ${e.message.slice(NO_MATCH_PREFIX.length)}`,
          { image: ctx.srcName },
        )
      }
      throw e
    }
    const inst = await getInstance(ctx, entry)
    return copySingleImage(ctx, { ...inst, asInstance: false, sourceInstance: entry.digest })
  }
  if (!ctx.dest.properties.supportsMultiImage) {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      withOptions`${ctx.destName} can hold only one image, but ${ctx.srcName} is a list of ${list.manifests.length}; copy one with ${opt('multiArch', { value: 'system' })} (the default) or use dir:, oci: or docker://`,
    )
  }
  const listType = chooseListType(
    list.mediaType,
    ctx.dest.properties.supportedManifestMediaTypes,
    ctx.forcedType,
    ctx.destName,
  )
  const flavor = flavorOf(listType)!
  const converting = listType !== list.mediaType
  const forcedType = converting ? imageTypeForList(listType) : ctx.forcedType

  const selected = new Set<ListEntry>()
  if (mode === 'all') list.manifests.forEach((e) => selected.add(e))
  else if (Array.isArray(mode)) {
    for (const want of mode) {
      const hits = list.manifests.filter((e) => platformMatches(e.platform, { ...want }))
      if (hits.length === 0)
        throw new SkiffError(
          'ERR_NO_MATCHING_PLATFORM',
          `${ctx.srcName} has no image for platform ${formatPlatform(want)}`,
        )
      hits.forEach((h) => selected.add(h))
    }
  }
  if (converting && mode === 'index-only') {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      withOptions`${ctx.srcName}: converting a list to ${listType} needs its images; ${opt('multiArch', { value: 'index-only' })} cannot convert`,
    )
  }

  // A list copied without any instance is checked itself (containers/image checks only the
  // instances it copies, so it would accept anything here).
  if (mode === 'index-only') await ctx.policy.isRunningImageAllowed(top)
  const sigs = await sourceSignatures(ctx, top, true)
  const entries: ListEntry[] = []
  let changed = converting
  let n = 0
  ctx.emit({ type: 'list-start', copying: mode === 'index-only' ? 0 : selected.size, total: list.manifests.length })
  for (const entry of list.manifests) {
    if (!selected.has(entry)) {
      if (ctx.stripRemovedPlatforms && mode !== 'index-only') changed = true
      else entries.push(entry)
      continue
    }
    n++
    ctx.emit({ type: 'instance', index: n, total: selected.size, digest: entry.digest })
    if (!ctx.removeSignatures) ctx.emit({ type: 'signatures-get' })
    const inst = await getInstance(ctx, entry)
    const written = await copySingleImage(ctx, {
      ...inst,
      asInstance: true,
      sourceInstance: entry.digest,
      ...(forcedType ? { forcedType } : {}),
    })
    const out: ListEntry = {
      ...entry,
      digest: written.digest,
      size: written.bytes.length,
      mediaType: written.mediaType,
    }
    if (out.digest !== entry.digest || out.mediaType !== entry.mediaType) changed = true
    entries.push(out)
  }
  if (changed && ctx.preserveDigests) {
    throw new SkiffError(
      'ERR_PRESERVE_DIGESTS',
      withOptions`${ctx.srcName}: ${opt('preserveDigests')} is set but copying to ${ctx.destName} would change the list's digest; drop ${opt('preserveDigests')} or copy without conversion`,
    )
  }
  refuseInvalidatedSignatures(ctx, sigs, changed)
  const outBytes = changed ? rewriteList(list, flavor, entries) : bytes
  const mediaType = changed ? listType : list.mediaType
  ctx.emit({ type: 'manifest-write', list: true })
  const digest = manifestDigest(outBytes, mediaType)
  const sparse = entries.length > n && mode !== 'index-only'
  try {
    await ctx.dest.putManifest(outBytes, mediaType, undefined, await manifestSourcePath(ctx, bytes, outBytes, digest))
  } catch (e) {
    // a registry that checks a list's references refuses one that names images it does not hold
    if (sparse && isManifestBlobUnknown(e)) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${ctx.destName}: ${(e as Error).message}; the registry refuses a list naming platforms that were not copied: add ${opt('stripRemovedPlatforms', { value: true })} to write a list of the copied platforms only (its digest changes), or copy them all with ${opt('multiArch', { value: 'all' })}`,
        { cause: e, image: ctx.destName },
      )
    }
    throw e
  }
  const all = [...sigs, ...(await createSignatures(ctx, outBytes))]
  ctx.emit({ type: 'signatures-store', count: all.length, list: true })
  if (all.length) await ctx.dest.putSignatures(all)
  return { bytes: outBytes, mediaType, digest }
}
