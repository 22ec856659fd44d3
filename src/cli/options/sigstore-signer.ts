/**
 * `--sign-by-sigstore-private-key PATH` with `--sign-passphrase-file FILE`: the signer for copy and
 * sync, made before anything is copied. Without a passphrase file the passphrase is asked on the
 * terminal, as skopeo does (an empty passphrase is a valid one for cosign keys).
 */
import type { Writable } from 'node:stream'
import type { Signer } from '../../signature/signer.js'
import { sigstoreSigner } from '../../signature/sigstore/signer.js'
import { promptForPassphrase } from '../passphrase.js'
import { readPassphraseFile } from './signing.js'

export interface SigstoreKeyRequest {
  /** The private key file (cosign's encrypted PEM). */
  path: string
  /** --sign-passphrase-file; else a prompt. */
  passphraseFile?: string
}

export async function sigstoreSignerFrom(req: SigstoreKeyRequest, io: { stdout: Writable }): Promise<Signer> {
  const passphrase =
    req.passphraseFile !== undefined
      ? readPassphraseFile(req.passphraseFile)
      : await promptForPassphrase(req.path, { output: io.stdout })
  return sigstoreSigner(req.path, Buffer.from(passphrase, 'utf8'))
}
