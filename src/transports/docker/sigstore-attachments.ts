/**
 * Sigstore signatures stored in a registry as cosign does (registries.d `use-sigstore-attachments:
 * true`): the tag `sha256-<hex>.sig` in the image's repository holds an OCI manifest whose layers
 * are the signatures (each layer's bytes the payload, its annotations the base64 signature and
 * the rest), as containers/image reads and writes them (docker_image_src.go /
 * docker_image_dest.go). Reading takes every layer (the policy decides by MIME type); writing adds
 * the signatures not already there, uploads a new config (its rootfs.diff_ids listing the layers)
 * and replaces the tag.
 */
import { SkiffError, isSkiffError } from '../../errors.js'
import { digestOf, parseDigest, type Digest } from '../../digest/digest.js'
import { verifyBytes } from '../../digest/verify.js'
import { dockerConfigToOci } from '../../manifest/oci-config.js'
import { MT } from '../../manifest/media-types.js'
import { parseManifest } from '../../manifest/parse.js'
import { serializeImageManifest } from '../../manifest/serialize.js'
import type { BlobInfo, ImageManifest } from '../../manifest/types.js'
import type { Repository } from '../../registry/repository.js'
import { sigstoreSignature, type SigstoreSignature } from '../../signature/types.js'
import { MAX_CONFIG_SIZE, MAX_SIGNATURE_SIZE, readAtMost, sizeLimitMessage } from '../../util/limits.js'
import { goMarshal } from '../../go/json.js'

/** Where the attachments are: the image's repository (at the registry named, or the one read from). */
export interface AttachmentAccess {
  repo: Repository
  /** `docker://…` of the image, for messages. */
  image: string
  signal?: AbortSignal
}

/** The attachment tag for a manifest digest: `sha256-<hex>.sig`. */
export function sigstoreAttachmentTag(d: Digest): string {
  const { algorithm, hex } = parseDigest(d)
  return `${algorithm}-${hex}.sig`
}

function isManifestUnknown(e: unknown): boolean {
  return isSkiffError(e) && e.code === 'ERR_IMAGE_NOT_FOUND'
}

/** The attachment manifest, or undefined when the tag does not exist. */
async function attachmentManifest(
  repo: Repository,
  d: Digest,
  signal?: AbortSignal,
): Promise<{ manifest: ImageManifest; where: string } | undefined> {
  const tag = sigstoreAttachmentTag(d)
  const where = `${repo.registry}/${repo.name}:${tag}`
  let got: Awaited<ReturnType<Repository['getManifest']>>
  try {
    got = await repo.getManifest(tag, signal)
  } catch (e) {
    if (isManifestUnknown(e)) return undefined
    throw e
  }
  if (got.mediaType !== MT.OCI_MANIFEST)
    throw new SkiffError(
      'ERR_MANIFEST_INVALID',
      `${repo.image}: unexpected MIME type for sigstore attachment manifest ${where}: ${JSON.stringify(got.mediaType)}`,
    )
  let m
  try {
    m = parseManifest(got.bytes, MT.OCI_MANIFEST, where)
  } catch (e) {
    throw new SkiffError('ERR_MANIFEST_INVALID', `${repo.image}: parsing manifest ${where}: ${(e as Error).message}`, {
      cause: e,
    })
  }
  if (m.kind !== 'image')
    throw new SkiffError('ERR_MANIFEST_INVALID', `${repo.image}: ${where} is not an image manifest`)
  return { manifest: m, where }
}

/** A small blob of the repository, bounded and verified (getOCIDescriptorContents). */
async function smallBlob(repo: Repository, desc: BlobInfo, limit: number, signal?: AbortSignal): Promise<Buffer> {
  parseDigest(desc.digest)
  const res = await repo.getBlob(desc.digest, signal ? { signal } : {})
  const tooLarge = (): Error =>
    new SkiffError('ERR_MANIFEST_INVALID', `${repo.image}: reading blob ${desc.digest}: ${sizeLimitMessage(limit)}`)
  const bytes = await readAtMost(res.body as AsyncIterable<Uint8Array>, limit, tooLarge)
  verifyBytes(bytes, desc.digest, `blob ${desc.digest} in ${repo.name}`)
  return bytes
}

/** The sigstore attachments of manifest `d` in `repo` ([] when there is no attachment tag). */
export async function readSigstoreAttachments(access: AttachmentAccess, d: Digest): Promise<SigstoreSignature[]> {
  const { repo, signal } = access
  const found = await attachmentManifest(repo, d, signal)
  if (!found) return []
  const out: SigstoreSignature[] = []
  for (const layer of found.manifest.layers) {
    const payload = await smallBlob(repo, layer, MAX_SIGNATURE_SIZE, signal)
    out.push(sigstoreSignature(layer.mediaType ?? '', payload, layer.annotations ?? {}))
  }
  return out
}

function sameAnnotations(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>>,
): boolean {
  const ka = Object.keys(a ?? {})
  const kb = Object.keys(b)
  return ka.length === kb.length && kb.every((k) => a?.[k] === b[k])
}

/** Whether `layer` already is `sig` (layerMatchesSigstoreSignature). */
function layerMatches(layer: BlobInfo, sig: SigstoreSignature): boolean {
  return (
    layer.mediaType === sig.mimeType &&
    layer.size === sig.payload.length &&
    layer.digest === digestOf(sig.payload) &&
    sameAnnotations(layer.annotations, sig.annotations)
  )
}

async function putSmallBlob(repo: Repository, bytes: Buffer, signal?: AbortSignal): Promise<Digest> {
  const d = digestOf(bytes)
  if ((await repo.headBlob(d, signal)) === undefined) await repo.uploadBlob(bytes, bytes.length, d, signal)
  return d
}

/**
 * Adds `sigs` to the attachments of manifest `d` in `repo` (putSignaturesToSigstoreAttachments):
 * signatures already there are not added twice; the attachment manifest is rewritten even when
 * nothing was added, as containers/image does.
 */
export async function writeSigstoreAttachments(
  access: AttachmentAccess,
  d: Digest,
  sigs: readonly SigstoreSignature[],
): Promise<void> {
  const { repo, signal } = access
  const found = await attachmentManifest(repo, d, signal)
  const layers: BlobInfo[] = found ? [...found.manifest.layers] : []
  let config: { rootfs: { type: string; diff_ids: string[] | null } } & Record<string, unknown>
  if (found) {
    const bytes = await smallBlob(repo, found.manifest.config, MAX_CONFIG_SIZE, signal)
    try {
      // unmarshal into the OCI Image struct and marshal again, as containers/image does
      config = JSON.parse(dockerConfigToOci(bytes).toString('utf8')) as typeof config
    } catch (e) {
      throw new SkiffError(
        'ERR_MANIFEST_INVALID',
        `${repo.image}: parsing sigstore attachment config ${found.manifest.config.digest} in ${repo.name}: ${(e as Error).message}`,
        { cause: e },
      )
    }
  } else {
    config = { architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: null } }
  }
  const diffIDs = config.rootfs.diff_ids ?? []
  for (const sig of sigs) {
    if (layers.some((l) => layerMatches(l, sig))) continue
    const digest = await putSmallBlob(repo, sig.payload, signal)
    layers.push({
      mediaType: sig.mimeType,
      digest,
      size: sig.payload.length,
      ...(Object.keys(sig.annotations).length ? { annotations: { ...sig.annotations } } : {}),
    })
    diffIDs.push(digest)
  }
  config.rootfs.diff_ids = diffIDs.length || config.rootfs.diff_ids ? diffIDs : null
  const configBytes = Buffer.from(goMarshal(config))
  const configDigest = await putSmallBlob(repo, configBytes, signal)
  const manifest = serializeImageManifest(
    { config: { mediaType: MT.OCI_CONFIG, digest: configDigest, size: configBytes.length }, layers },
    'oci',
  )
  await repo.putManifest(sigstoreAttachmentTag(d), manifest, MT.OCI_MANIFEST, signal)
}
