/**
 * skiff as a library: the same engine the CLI uses.
 *
 *   import { copyImage, inspectImage, parseImageName, insecureAcceptAnythingPolicy } from 'skiff'
 */
import { parseImageName } from './transports/registry.js'
import { inspectImage as inspectSource, type InspectOptions } from './inspect/inspect.js'
import { jsonOutput } from './go/json.js'
import type { ImageReference, ImageSource, TransportOptions } from './transports/types.js'
import { newContext } from './registry/context.js'

export { copyImage } from './copy/copy.js'
export type { CopyOptions, CopyResult, CompressionOptions, CompressionFormat, MultiArch } from './copy/options.js'
export type { CopyEvent } from './copy/events.js'
export { createSharedCopyState } from './copy/shared-state.js'
export type { SharedCopyState, SharedCopyStateOptions } from './copy/shared-state.js'
export { planSync, runSync, parseImageList, parseSyncYaml, DEFAULT_SYNC_JOBS } from './sync/index.js'
export type { SyncEvent, SyncRunOptions } from './sync/index.js'
export { parseImageName, registerTransport, getTransport, listTransports } from './transports/registry.js'
export { newContext, SkiffContext } from './registry/context.js'
export type { SkiffContextOptions } from './registry/context.js'
export type { CredentialSource, Credentials } from './registry/credentials.js'
export { checkRegistryCredentials, listRepositories, listRepositoryTags, untag } from './transports/docker/index.js'
export type {
  ImageReference,
  ImageSource,
  ImageDestination,
  ImageTransport,
  TransportOptions,
  DestinationProperties,
  StoredManifest,
  StoredManifestQuery,
  ResourceHolder,
} from './transports/types.js'
export {
  parseNormalizedReference,
  parseDockerReferenceWithDefaultTag,
  DockerReference,
} from './reference/docker-reference.js'
export { parseManifest, manifestDigest, guessMediaType } from './manifest/parse.js'
export { MT as MediaTypes } from './manifest/media-types.js'
export type { BlobInfo, Platform, Manifest, ImageManifest, ManifestList, Schema1Manifest } from './manifest/types.js'
export { chooseInstance, hostPlatform, parsePlatform } from './manifest/platform.js'
export { loadPolicyContext, insecureAcceptAnythingPolicy } from './policy/context.js'
export type { PolicyContext, PolicyImage } from './policy/types.js'
export type { Signature, SimpleSigningSignature, SigstoreSignature } from './signature/types.js'
export type { Signer } from './signature/signer.js'
export { gpgSigner } from './signature/gpg-signer.js'
export { signatureFromBlob, signatureToBlob } from './signature/blob.js'
export { verifyManifestSignature, untrustedSignatureInformation } from './signature/standalone.js'
export { importKeys } from './signature/openpgp.js'
export {
  SkiffError,
  ImageNotFoundError,
  InvalidReferenceError,
  DigestMismatchError,
  ManifestTypeRejectedError,
  PolicyDeniedError,
  isSkiffError,
} from './errors.js'
export type { ErrorCode } from './errors.js'
export { VERSION } from './version.js'
// sigstore keys and signatures (src/signature/sigstore)
export {
  generateSigstoreKeyPair,
  loadSigstorePrivateKey,
  parseSigstorePublicKey,
  SigstoreKeyError,
} from './signature/sigstore/keys.js'
export { writeSigstoreKeyFiles } from './signature/sigstore/key-files.js'
export { createSigstoreSignature } from './signature/sigstore/sign.js'
export { verifySigstorePayload } from './signature/sigstore/verify.js'
export type { SigstorePayloadRules } from './signature/sigstore/verify.js'
export type { SigstorePayload } from './signature/sigstore/payload.js'

export interface InspectImageOptions extends Omit<InspectOptions, 'raw' | 'config'> {
  /** Options for opening the source (tmpdir, signal, context, …). */
  source?: TransportOptions
}

/** Opens the source in `opts.context`, else in a fresh context closed at the end. */
async function withSource<T>(
  image: string | ImageReference,
  opts: TransportOptions | undefined,
  fn: (src: ImageSource) => Promise<T>,
): Promise<T> {
  const ref = typeof image === 'string' ? parseImageName(image) : image
  const context = opts?.context ?? newContext()
  try {
    const src = await ref.newImageSource({ ...(opts ?? {}), context })
    try {
      return await fn(src)
    } finally {
      await src.close()
    }
  } finally {
    if (!opts?.context) await context.close()
  }
}

/** What `skiff inspect` prints, as a plain object (skopeo's keys). */
export async function inspectImage(
  image: string | ImageReference,
  opts: InspectImageOptions = {},
): Promise<Record<string, unknown>> {
  return withSource(image, opts.source, async (src) => {
    const r = await inspectSource(src, opts)
    if (r.kind !== 'value') throw new Error('unreachable: inspect without raw/config returns a value')
    return JSON.parse(jsonOutput(r.value)) as Record<string, unknown>
  })
}

/** The top-level manifest as stored (`skiff inspect --raw`). */
export async function getRawManifest(
  image: string | ImageReference,
  opts: { source?: TransportOptions } = {},
): Promise<Buffer> {
  return withSource(image, opts.source, async (src) => (await src.getManifest()).bytes)
}

/** The image config as stored (`skiff inspect --config --raw`), for the platform chosen from a list. */
export async function getRawConfig(image: string | ImageReference, opts: InspectImageOptions = {}): Promise<Buffer> {
  return withSource(image, opts.source, async (src) => {
    const r = await inspectSource(src, { ...opts, raw: true, config: true })
    if (r.kind !== 'raw') throw new Error('unreachable: inspect with raw and config returns bytes')
    return r.bytes
  })
}
