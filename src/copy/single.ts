/**
 * Copies one image (not a list): layers in parallel, then the config, then the manifest, converted
 * when the destination or --format asks for another type.
 */
import { Readable } from 'node:stream'
import { SkiffError, opt, withOptions } from '../errors.js'
import { manifestDigest, parseManifest } from '../manifest/parse.js'
import { MT, isSchema1Type } from '../manifest/media-types.js'
import { convertImageManifest } from '../manifest/serialize.js'
import { flavorOf, layerMediaType } from '../manifest/layer-types.js'
import { schema1Layers, schema1ToConfig } from '../manifest/schema1.js'
import { digestOf } from '../digest/digest.js'
import type { PutManifestOptions } from '../transports/types.js'
import type { Digest } from '../digest/digest.js'
import type { BlobInfo, ImageManifest, Schema1Manifest } from '../manifest/types.js'
import { compressionFromMediaType, planOp, readSmallBlob, type CopiedBlob } from './blob.js'
import { dockerConfigToOci } from '../manifest/oci-config.js'
import { chooseImageManifestType } from './manifest-plan.js'
import { mapLimit } from './limit.js'
import type { CopyContext, WrittenManifest } from './context.js'
import type { CopyEvent } from './events.js'
import { UnparsedImage } from '../policy/unparsed-image.js'
import type { PolicyImage } from '../policy/types.js'
import { createSignatures, refuseInvalidatedSignatures, sourceSignatures } from './signatures.js'
import { setMaxListeners } from 'node:events'

export interface SingleImageInput {
  bytes: Buffer
  mediaType: string
  /** Set when this image is an instance of a list being copied (its manifest is stored by digest). */
  asInstance: boolean
  /** Forced image type for this instance (a converted list's flavour). */
  forcedType?: string
  /** The image as the policy sees it, when the caller already checked it (the top level). */
  image?: PolicyImage
  /** The digest of this manifest in the source's list, when it is a list's instance. */
  sourceInstance?: Digest
}

/**
 * Layers are copied under an AbortController so the first failure stops the others promptly. The
 * first failure is what the caller gets: the siblings' failures caused by that abort (AbortErrors,
 * premature closes) are never reported in its place.
 */
async function copyLayers(
  ctx: CopyContext,
  layers: BlobInfo[],
  needUncompressed: boolean,
  /** A config copied as it is, beside the layers (last in the queue, under the same limit). */
  config?: BlobInfo,
): Promise<CopiedBlob[]> {
  // an abort that came before this point fired its event already: the listener below would never hear it
  ctx.signal?.throwIfAborted()
  const ac = new AbortController()
  // every layer in flight listens on it several times (its pipeline, its requests): not a leak
  setMaxListeners(0, ac.signal)
  const onAbort = (): void => ac.abort(ctx.signal?.reason)
  ctx.signal?.addEventListener('abort', onAbort, { once: true })
  const parallel = ctx.dest.properties.hasThreadSafePutBlob ? ctx.parallel : 1
  let first: { error: unknown } | undefined
  // the config's events are held until every layer is done, so its "Copying config" line comes
  // after the layers' as skopeo prints it, and not at all when a layer fails
  const held: CopyEvent[] = []
  try {
    const items = config ? [...layers, config] : layers
    const copied = await mapLimit(items, parallel, async (info, i) => {
      // a layer still queued when another failed does not start
      if (ac.signal.aborted) throw ac.signal.reason
      try {
        if (i === layers.length)
          return await ctx.blobs.copy({ info, kind: 'config', signal: ac.signal, emit: (e) => held.push(e) })
        if (info.urls?.length && ctx.dest.properties.acceptsForeignLayerURLs) {
          // Foreign layer: referenced by URL, not copied (as containers/image does).
          return { ...info, compression: 'gzip', reused: true } as CopiedBlob
        }
        return await ctx.blobs.copy({
          info,
          kind: 'layer',
          compression: ctx.compression,
          needUncompressedDigest: needUncompressed,
          signal: ac.signal,
        })
      } catch (e) {
        if (!ac.signal.aborted) {
          first = { error: e }
          ac.abort(e)
        }
        throw e
      }
    })
    for (const e of held) ctx.emit(e)
    return copied
  } catch (e) {
    // The caller's own abort (Ctrl-C, --command-timeout) wins; otherwise the layer that failed first.
    if (ctx.signal?.aborted) throw ctx.signal.reason
    throw first ? first.error : e
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort)
  }
}

export async function copySingleImage(ctx: CopyContext, input: SingleImageInput): Promise<WrittenManifest> {
  const parsed = parseManifest(input.bytes, input.mediaType, ctx.srcName)
  if (parsed.kind === 'list')
    throw new SkiffError('ERR_UNSUPPORTED', `${ctx.srcName}: a list nested in a list is not supported`)
  const srcType = parsed.mediaType
  // Each image copied is checked and carries its own signatures (containers/image copyOneImage).
  let image = input.image
  if (!image) {
    image = new UnparsedImage(ctx.src, {
      ...(input.sourceInstance !== undefined ? { instance: input.sourceInstance } : {}),
      manifest: { bytes: input.bytes, mediaType: input.mediaType },
    })
    await ctx.policy.isRunningImageAllowed(image)
  }
  const sigs = await sourceSignatures(ctx, image)
  const needOci = ctx.compression.mode === 'compress' && ctx.compression.format === 'zstd'
  const target = chooseImageManifestType(
    srcType,
    ctx.dest.properties.supportedManifestMediaTypes,
    input.forcedType ?? ctx.forcedType,
    needOci,
    ctx.destName,
  )

  const out =
    parsed.kind === 'schema1'
      ? await copySchema1(ctx, parsed, input, target)
      : await copySchema2(ctx, parsed, input, target)
  refuseInvalidatedSignatures(ctx, sigs, out.digest !== manifestDigest(input.bytes, srcType))
  ctx.emit({ type: 'manifest-write', ...(input.asInstance ? { instance: out.digest } : {}) })
  await ctx.dest.putManifest(
    out.bytes,
    out.mediaType,
    input.asInstance ? out.digest : undefined,
    await manifestSourcePath(ctx, input.bytes, out.bytes, out.digest),
  )
  const all = [...sigs, ...(await createSignatures(ctx, out.bytes))]
  ctx.emit({ type: 'signatures-store', count: all.length })
  if (all.length) await ctx.dest.putSignatures(all, input.asInstance ? out.digest : undefined)
  return out
}

/** { sourcePath } when the manifest is written unchanged and the source holds it as a local file (registry-storage select). */
export async function manifestSourcePath(
  ctx: CopyContext,
  inBytes: Buffer,
  outBytes: Buffer,
  digest: Digest,
): Promise<PutManifestOptions> {
  if (!ctx.src.localBlobPath || !inBytes.equals(outBytes)) return {}
  try {
    const sourcePath = await ctx.src.localBlobPath({ digest, size: outBytes.length })
    return sourcePath === undefined ? {} : { sourcePath }
  } catch {
    return {}
  }
}

function refuseDigestChange(ctx: CopyContext, what: string): never {
  throw new SkiffError(
    'ERR_PRESERVE_DIGESTS',
    withOptions`${ctx.srcName}: ${opt('preserveDigests')} is set but copying to ${ctx.destName} would change the ${what} digest (the manifest must be converted or layers recompressed); drop ${opt('preserveDigests')} or choose a destination that takes the image as it is`,
  )
}

/**
 * --preserve-digests: refuse before anything is uploaded when the plan already says a digest will
 * change (a manifest conversion, or layers whose media type says they will be recompressed). The
 * check after the copy stays for what only the bytes reveal.
 */
function refuseChangeUpFront(ctx: CopyContext, m: ImageManifest, target: string): void {
  if (!ctx.preserveDigests) return
  if (target !== m.mediaType) refuseDigestChange(ctx, 'manifest')
  for (const l of m.layers) {
    if (l.urls?.length && ctx.dest.properties.acceptsForeignLayerURLs) continue
    const declared = compressionFromMediaType(l.mediaType)
    if (declared !== undefined && planOp(declared, ctx.compression).kind !== 'keep')
      refuseDigestChange(ctx, `layer ${l.digest}`)
  }
}

async function copySchema2(
  ctx: CopyContext,
  m: ImageManifest,
  input: SingleImageInput,
  target: string,
): Promise<WrittenManifest> {
  refuseChangeUpFront(ctx, m, target)
  const physical = await layerInfosForCopy(ctx, m, input)
  const flavor = flavorOf(target)!
  const srcFlavor = flavorOf(m.mediaType)!
  // Docker → OCI rewrites the config through the OCI struct, as containers/image does: after the
  // layers. A config copied as it is goes beside them (one round trip per image less over a slow link).
  const convertConfig = srcFlavor === 'docker' && flavor === 'oci' && m.config.mediaType === MT.DOCKER_CONFIG
  const copied = await copyLayers(ctx, physical, false, convertConfig ? undefined : m.config)
  const layers = convertConfig ? copied : copied.slice(0, -1)
  const config = convertConfig
    ? await putConfig(
        ctx,
        dockerConfigToOci(await readSmallBlob(ctx.src, m.config, `${ctx.srcName}: config`, ctx.signal)),
        flavor,
      )
    : copied[copied.length - 1]!
  const unchanged =
    target === m.mediaType &&
    layers.every((l, i) => {
      const orig = m.layers[i]!
      return (
        l.digest === orig.digest &&
        l.size === orig.size &&
        (orig.urls?.length || layerMediaType(orig.mediaType, srcFlavor, l.compression) === orig.mediaType)
      )
    })
  if (unchanged) return { bytes: input.bytes, mediaType: m.mediaType, digest: manifestDigest(input.bytes, m.mediaType) }
  if (ctx.preserveDigests) refuseDigestChange(ctx, 'manifest')
  const bytes = convertImageManifest(m, flavor, layers, { ...m.config, digest: config.digest, size: config.size })
  return { bytes, mediaType: target, digest: digestOf(bytes) }
}

/**
 * The layers to copy: the manifest's, or what the source says it can really serve
 * (ImageSource.layerInfosForCopy: containers-storage serves uncompressed tars under their diff
 * IDs). Different layers make the manifest change, as with containers/image's LayerInfosForCopy.
 */
async function layerInfosForCopy(ctx: CopyContext, m: ImageManifest, input: SingleImageInput): Promise<BlobInfo[]> {
  if (!ctx.src.layerInfosForCopy) return m.layers
  const physical = await ctx.src.layerInfosForCopy(input.asInstance ? digestOf(input.bytes) : undefined)
  if (physical === undefined) return m.layers
  if (physical.length !== m.layers.length)
    throw new SkiffError(
      'ERR_MANIFEST_INVALID',
      `${ctx.srcName}: the manifest lists ${m.layers.length} layers but the source holds ${physical.length}`,
    )
  if (ctx.preserveDigests && physical.some((l, i) => l.digest !== m.layers[i]!.digest))
    refuseDigestChange(ctx, 'manifest')
  return physical
}

/** Stores a config the engine generated (converted), reusing it when the destination has it. */
async function putConfig(ctx: CopyContext, config: Buffer, flavor: 'oci' | 'docker'): Promise<BlobInfo> {
  const info: BlobInfo = {
    digest: digestOf(config),
    size: config.length,
    mediaType: flavor === 'oci' ? MT.OCI_CONFIG : MT.DOCKER_CONFIG,
  }
  ctx.emit({ type: 'blob-start', kind: 'config', digest: info.digest, size: info.size })
  const reused = await ctx.dest.tryReusingBlob(info)
  if (!reused) await ctx.dest.putBlob(Readable.from([config]), info, { isConfig: true, expectedDigest: info.digest })
  ctx.emit({ type: 'blob-done', kind: 'config', digest: info.digest, size: info.size, reused: !!reused })
  return info
}

async function copySchema1(
  ctx: CopyContext,
  m: Schema1Manifest,
  input: SingleImageInput,
  target: string,
): Promise<WrittenManifest> {
  if (isSchema1Type(target)) {
    // Stored as it is: every fsLayer (dedup by digest), no conversion.
    const unique = [
      ...new Map(
        m.fsLayers.map((l) => [
          l.blobSum,
          { digest: l.blobSum, size: -1, mediaType: MT.DOCKER_LAYER_GZIP } as BlobInfo,
        ]),
      ).values(),
    ]
    const layers = await copyLayers(ctx, unique, false)
    if (layers.some((l, i) => l.digest !== unique[i]!.digest)) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${ctx.srcName}: schema1 layers cannot be recompressed; copy with ${opt('format', { value: 'v2s2' })} or oci to convert`,
      )
    }
    return { bytes: input.bytes, mediaType: m.mediaType, digest: manifestDigest(input.bytes, m.mediaType) }
  }
  if (ctx.preserveDigests) refuseDigestChange(ctx, 'manifest')
  const all = schema1Layers(m).filter((l) => !l.empty)
  const layers = await copyLayers(
    ctx,
    all.map((l) => ({ digest: l.digest, size: -1, mediaType: MT.DOCKER_LAYER_GZIP })),
    true,
  )
  const diffIDs = layers.map((l) => {
    if (!l.uncompressedDigest)
      throw new SkiffError(
        'ERR_COMPRESSION',
        `${ctx.srcName}: could not compute the uncompressed digest of layer ${l.digest}`,
      )
    return l.uncompressedDigest
  })
  const flavor = flavorOf(target)!
  const s2config = schema1ToConfig(m, diffIDs)
  const configInfo = await putConfig(ctx, flavor === 'oci' ? dockerConfigToOci(s2config) : s2config, flavor)
  const base: ImageManifest = { kind: 'image', mediaType: target, config: configInfo, layers: [] }
  const bytes = convertImageManifest(base, flavor, layers, configInfo)
  return { bytes, mediaType: target, digest: digestOf(bytes) }
}
