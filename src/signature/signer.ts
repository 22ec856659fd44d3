/**
 * Creating a signature while copying (`copy --sign-by`, `--sign-by-sigstore-private-key`): the copy
 * engine calls every Signer of CopyOptions.signers once per manifest it signs, with the manifest
 * bytes as written and the identity (`--sign-identity`, else the destination's Docker reference).
 * Implementations: signature/gpg-signer.ts (simple signing through the gpg binary); the sigstore one
 * beside it.
 */
import type { DockerReference } from '../reference/docker-reference.js'
import type { Signature } from './types.js'

export interface Signer {
  /** skopeo's progress line before signing: "Signing manifest using simple signing". */
  readonly progressMessage: string
  /** Signs `manifest` (the exact bytes stored) for `identity`. Throws SkiffError('ERR_SIGNING', …). */
  sign(manifest: Buffer, identity: DockerReference, opts?: { signal?: AbortSignal }): Promise<Signature>
}
