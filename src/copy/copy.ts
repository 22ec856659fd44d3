/**
 * copyImage: the single entry point of the copy engine. Opens both ends, checks the trust policy,
 * copies (one image or a list), stores signatures and commits; nothing is visible at the
 * destination unless everything succeeded.
 */
import { SkiffError, withImage, opt, withOptions } from '../errors.js'
import { parseImageName } from '../transports/registry.js'
import { parseManifest } from '../manifest/parse.js'
import { UnparsedImage } from '../policy/unparsed-image.js'
import { verifyBytes } from '../digest/verify.js'
import type { ImageReference } from '../transports/types.js'
import { newContext } from '../registry/context.js'
import { BlobCopier, type LayerCompressionPolicy } from './blob.js'
import { formatMediaType } from './manifest-plan.js'
import { copySingleImage } from './single.js'
import { copyList } from './list.js'
import type { CopyContext } from './context.js'
import type { CopyOptions, CopyResult } from './options.js'
import type { CopyEvent } from './events.js'

function compressionPolicy(opts: CopyOptions, desired: 'preserve' | 'compress' | 'decompress'): LayerCompressionPolicy {
  const c = opts.compression ?? {}
  const p: LayerCompressionPolicy = {
    mode: c.mode && c.mode !== 'preserve' ? c.mode : desired,
    format: c.format ?? 'gzip',
    force: c.format !== undefined,
  }
  if (c.level !== undefined) p.level = c.level
  return p
}

/** The image's referrers and digest tags (CopyOptions.referrers / digestTags): of the top manifest and each list instance. */
async function copyAttachedArtifacts(
  srcRef: ImageReference,
  destRef: ImageReference,
  written: { digest: string; bytes: Buffer; mediaType: string },
  opts: CopyOptions,
  emit: (e: CopyEvent) => void,
): Promise<void> {
  const m = parseManifest(written.bytes, written.mediaType)
  const digests = [written.digest, ...(m.kind === 'list' ? m.manifests.map((e) => e.digest) : [])]
  await srcRef.copyAttached!(destRef, digests, {
    referrers: opts.referrers ?? false,
    digestTags: opts.digestTags ?? false,
    // new sigstore signatures were just merged into the destination's .sig: never replace it
    ...(opts.signers?.length ? { skipDigestTags: ['sig'] } : {}),
    ...(opts.source
      ? { source: { ...opts.source, context: opts.source.context ?? opts.context } }
      : { source: { context: opts.context } }),
    destination: { ...(opts.destination ?? {}), context: opts.destination?.context ?? opts.context },
    ...(opts.signal ? { signal: opts.signal } : {}),
    onEvent: emit,
  })
}

/** Adds the image name to errors that do not say which image they are about (keeping their class). */
const withContext = withImage

export async function copyImage(
  source: ImageReference | string,
  destination: ImageReference | string,
  opts: CopyOptions,
): Promise<CopyResult> {
  // the caller's context, else the run's (a shared state), else one of this call's own
  const owned = (opts.context ?? opts.shared?.context) ? undefined : newContext()
  const context = opts.context ?? opts.shared?.context ?? owned!
  try {
    return await copyWithin(source, destination, { ...opts, context })
  } finally {
    await owned?.close()
  }
}

async function copyWithin(
  source: ImageReference | string,
  destination: ImageReference | string,
  opts: CopyOptions & Required<Pick<CopyOptions, 'context'>>,
): Promise<CopyResult> {
  const srcRef = typeof source === 'string' ? parseImageName(source) : source
  const destRef = typeof destination === 'string' ? parseImageName(destination) : destination
  const emit = opts.onEvent ?? (() => {})
  const srcName = srcRef.toString()
  const destName = destRef.toString()
  const signal = opts.signal
  const common = {
    ...(opts.source ?? {}),
    context: opts.source?.context ?? opts.context,
    ...(signal ? { signal } : {}),
  }

  const src = await srcRef.newImageSource(common).catch((e: unknown) => Promise.reject(withContext(e, srcName)))
  try {
    const top = await src.getManifest()
    const claimed = top.digest ?? srcRef.dockerReference()?.digest
    if (claimed) verifyBytes(top.bytes, claimed, `${srcName}: manifest`)
    const parsed = parseManifest(top.bytes, top.mediaType, srcName)
    const image = new UnparsedImage(src, {
      reference: srcRef,
      manifest: { bytes: top.bytes, mediaType: parsed.mediaType },
    })
    // A single image is checked before the destination is opened; a list's instances as they are copied.
    if (parsed.kind !== 'list') await opts.policy.isRunningImageAllowed(image)
    const attached = opts.referrers || opts.digestTags
    if (attached && (!srcRef.copyAttached || destRef.transport !== srcRef.transport))
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${opt('referrers')} and ${opt('digestTags')} copy between registries only (docker:// to docker://), not ${srcName} to ${destName}`,
      )
    for (const signer of opts.signers ?? []) await signer.prepare?.(signal ? { signal } : {})
    const dest = await destRef
      .newImageDestination({
        ...(opts.destination ?? {}),
        context: opts.destination?.context ?? opts.context,
        ...(signal ? { signal } : {}),
      })
      .catch((e: unknown) => Promise.reject(withContext(e, destName)))
    try {
      emit({ type: 'start', source: srcName, destination: destName })
      const withInstances = parsed.kind === 'list' && (opts.multiArch ?? 'system') !== 'system'
      if (!opts.removeSignatures) emit({ type: 'signatures-get', ...(withInstances ? { list: true } : {}) })
      const forcedType = formatMediaType(opts.format)
      const ctx: CopyContext = {
        src,
        dest,
        blobs: new BlobCopier(src, dest, emit, opts.shared),
        srcName,
        destName,
        ...(forcedType ? { forcedType } : {}),
        // referrers and digest tags name the digests: those must not change
        preserveDigests: (opts.preserveDigests || attached) ?? false,
        compression: compressionPolicy(opts, dest.properties.desiredLayerCompression),
        parallel: opts.imageParallelCopies ?? 6,
        multiArch: opts.multiArch ?? 'system',
        stripRemovedPlatforms: opts.stripRemovedPlatforms ?? false,
        ...(opts.platform ? { platform: opts.platform } : {}),
        ...(signal ? { signal } : {}),
        emit,
        policy: opts.policy,
        removeSignatures: opts.removeSignatures ?? false,
        signers: opts.signers ?? [],
        ...(opts.signIdentity ? { signIdentity: opts.signIdentity } : {}),
      }
      if (!Number.isInteger(ctx.parallel) || ctx.parallel < 1)
        throw new SkiffError(
          'ERR_INVALID_ARGUMENT',
          withOptions`invalid ${opt('imageParallelCopies')} ${ctx.parallel}: use a positive integer`,
        )
      const written =
        parsed.kind === 'list'
          ? await copyList(ctx, top.bytes, parsed, image)
          : await copySingleImage(ctx, { bytes: top.bytes, mediaType: parsed.mediaType, asInstance: false, image })
      // an abort (Ctrl-C, --command-timeout) that came while nothing was left to stop still stops the commit
      opts.signal?.throwIfAborted()
      await dest.commit()
      if (attached) await copyAttachedArtifacts(srcRef, destRef, written, opts, emit)
      emit({ type: 'done', manifestDigest: written.digest })
      return { manifestDigest: written.digest, manifestMediaType: written.mediaType, manifest: written.bytes }
    } finally {
      await dest.close()
    }
  } catch (e) {
    throw withContext(e, srcName)
  } finally {
    await src.close()
  }
}
