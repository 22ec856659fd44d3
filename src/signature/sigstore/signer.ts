/**
 * `--sign-by-sigstore-private-key PATH`: a Signer (signature/signer.ts) that signs each manifest
 * with a cosign private key file. The key is read and decrypted when the signer is made, before
 * anything is copied, so a wrong passphrase or a damaged file fails at once and nothing is written
 * (containers/image's sigstore.NewSigner does the same).
 */
import type { KeyObject } from 'node:crypto'
import { SkiffError } from '../../errors.js'
import type { DockerReference } from '../../reference/docker-reference.js'
import { readFileAtMost } from '../../util/limits.js'
import type { Signer } from '../signer.js'
import type { Signature } from '../types.js'
import { SigstoreKeyError, loadSigstorePrivateKey } from './keys.js'
import { createSigstoreSignature } from './sign.js'

/** A key file larger than this is not a sigstore private key. */
const MAX_KEY_FILE = 1024 * 1024

class SigstoreSigner implements Signer {
  readonly progressMessage = 'Signing manifest using a sigstore signature'
  constructor(private readonly key: KeyObject) {}

  async sign(manifest: Buffer, identity: DockerReference): Promise<Signature> {
    if (identity.isNameOnly())
      throw new SkiffError(
        'ERR_SIGNING',
        `reference ${identity.toString()} can’t be signed, it has neither a tag nor a digest`,
      )
    return createSigstoreSignature(manifest, identity.toString(), this.key)
  }
}

/** A signer with the private key in `path`, decrypted with `passphrase`; throws SkiffError('ERR_SIGNING'). */
export async function sigstoreSigner(path: string, passphrase: Uint8Array): Promise<Signer> {
  let pem: Buffer
  try {
    pem = await readFileAtMost(
      path,
      MAX_KEY_FILE,
      () => new SkiffError('ERR_SIGNING', `reading private key from ${path}: larger than 1 MiB, not a private key`),
    )
  } catch (e) {
    if (e instanceof SkiffError) throw e
    throw new SkiffError('ERR_SIGNING', `reading private key from ${path}: ${(e as Error).message}`, { cause: e })
  }
  try {
    return new SigstoreSigner(await loadSigstorePrivateKey(pem, passphrase))
  } catch (e) {
    if (!(e instanceof SigstoreKeyError)) throw e
    const hint = e.wrongPassphrase ? ' (the passphrase is wrong, or the key file was changed)' : ''
    throw new SkiffError('ERR_SIGNING', `initializing private key ${path}: ${e.message}${hint}`, { cause: e })
  }
}
