/**
 * Sigstore signatures as registry attachments (`use-sigstore-attachments: true` in registries.d):
 * the `sha256-<hex>.sig` tag's OCI manifest, one layer per signature (containers/image
 * docker_image_src.go getSignaturesFromSigstoreAttachments, docker_image_dest.go
 * putSignaturesToSigstoreAttachments). Not implemented by this version yet: a registry configured
 * for attachments is refused with a clear message rather than read as if it had none.
 */
import { SkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import type { Repository } from '../../registry/repository.js'
import type { SigstoreSignature } from '../../signature/types.js'

export interface AttachmentAccess {
  repo: Repository
  /** `docker://…` of the image, for messages. */
  image: string
  signal?: AbortSignal
}

function unsupported(image: string): SkiffError {
  return new SkiffError(
    'ERR_UNSUPPORTED',
    `${image}: registries.d sets use-sigstore-attachments, and sigstore attachments are not supported by this version of skiff yet`,
    { image },
  )
}

/** The sigstore signatures attached to `digest` in the repository, in layer order. */
export async function readSigstoreAttachments(access: AttachmentAccess, _digest: Digest): Promise<SigstoreSignature[]> {
  throw unsupported(access.image)
}

/** Adds `sigs` to the attachment of `digest` (keeping those already there, skipping duplicates). */
export async function writeSigstoreAttachments(
  access: AttachmentAccess,
  _digest: Digest,
  _sigs: SigstoreSignature[],
): Promise<void> {
  throw unsupported(access.image)
}
