/** A Signer for simple signing with the user's GnuPG key (copy/sync --sign-by). */
import { SkiffError } from '../errors.js'
import { manifestDigest } from '../manifest/parse.js'
import type { DockerReference } from '../reference/docker-reference.js'
import { type GpgOptions, gpgSign } from './gpg.js'
import { marshalPayload, newPayload } from './payload.js'
import type { Signer } from './signer.js'
import { simpleSigning, type Signature } from './types.js'

/** containers/image SignDockerManifestWithOptions: the payload for `manifest`, signed with `keyIdentity`. */
export async function signDockerManifest(
  manifest: Buffer,
  dockerReference: string,
  keyIdentity: string,
  opts: GpgOptions & { passphrase?: string } = {},
): Promise<Buffer> {
  if (opts.passphrase?.includes('\n'))
    throw new SkiffError('ERR_SIGNING', 'invalid passphrase: must not contain a line break')
  const payload = marshalPayload(newPayload(manifestDigest(manifest), dockerReference))
  return gpgSign(payload, keyIdentity, opts)
}

export function gpgSigner(
  keyIdentity: string,
  opts: Omit<GpgOptions, 'signal'> & { passphrase?: string } = {},
): Signer {
  return {
    progressMessage: 'Signing manifest using simple signing',
    async sign(manifest: Buffer, identity: DockerReference, o: { signal?: AbortSignal } = {}): Promise<Signature> {
      try {
        return simpleSigning(
          await signDockerManifest(manifest, identity.toString(), keyIdentity, {
            ...opts,
            ...(o.signal ? { signal: o.signal } : {}),
          }),
        )
      } catch (e) {
        if (e instanceof SkiffError && e.code === 'ERR_SIGNING')
          throw new SkiffError('ERR_SIGNING', `creating signature: ${e.message}`, { cause: e })
        throw e
      }
    },
  }
}
