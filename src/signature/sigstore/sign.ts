/**
 * Creating a sigstore signature of a manifest with a private key (containers/image's
 * signDockerManifest): the payload claims the manifest's digest and the Docker reference, the
 * signature over the payload bytes goes into the `dev.cosignproject.cosign/signature` annotation.
 */
import type { KeyObject } from 'node:crypto'
import { manifestDigest } from '../../manifest/parse.js'
import { VERSION } from '../../version.js'
import { signMessage } from './crypto.js'
import { marshalSigstorePayload } from './payload.js'
import {
  SIGSTORE_SIGNATURE_ANNOTATION,
  SIGSTORE_SIGNATURE_MIME_TYPE,
  sigstoreSignature,
  type SigstoreSignature,
} from '../types.js'

export interface SigstoreSignOptions {
  /** The signing time (default now); recorded in seconds. */
  now?: Date
}

/** Signs `manifest` as `dockerReference` (a full reference with a tag or digest, as its string). */
export function createSigstoreSignature(
  manifest: Uint8Array,
  dockerReference: string,
  key: KeyObject,
  opts: SigstoreSignOptions = {},
): SigstoreSignature {
  const payload = marshalSigstorePayload({
    dockerManifestDigest: manifestDigest(manifest),
    dockerReference,
    creator: `skiff ${VERSION}`,
    timestamp: Math.floor((opts.now ?? new Date()).getTime() / 1000),
  })
  return sigstoreSignature(SIGSTORE_SIGNATURE_MIME_TYPE, payload, {
    [SIGSTORE_SIGNATURE_ANNOTATION]: signMessage(key, payload).toString('base64'),
  })
}
