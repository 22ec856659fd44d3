/**
 * The signing flags of copy and sync (--sign-by, --sign-passphrase-file, --sign-identity) as
 * skopeo reads them: the passphrase is the file's first line; --sign-identity must be a canonical
 * reference (reference.ParseNamed). Builds the Signers of CopyOptions.
 */
import { readFileSync } from 'node:fs'
import { SkiffError } from '../../errors.js'
import { parseNormalizedReference, type DockerReference } from '../../reference/docker-reference.js'
import { gpgSigner } from '../../signature/gpg-signer.js'
import type { Signer } from '../../signature/signer.js'
import type { FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'

/** containers/image pkg/cli ReadPassphraseFile: the first line, without its newline. */
export function readPassphraseFile(path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'latin1')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message
    throw new SkiffError('ERR_INVALID_ARGUMENT', `open ${path}: ${why}`)
  }
  const nl = text.indexOf('\n')
  return Buffer.from(nl === -1 ? text : text.slice(0, nl), 'latin1').toString('utf8')
}

/** --sign-identity: skopeo's reference.ParseNamed (only the canonical form). */
export function parseSignIdentity(s: string): DockerReference {
  let ref: DockerReference
  try {
    ref = parseNormalizedReference(s)
  } catch (e) {
    throw new UsageError(`Could not parse --sign-identity: ${(e as Error).message}`)
  }
  if (ref.toString() !== s) throw new UsageError('Could not parse --sign-identity: repository name must be canonical')
  return ref
}

export interface SigningOptions {
  signers: Signer[]
  signIdentity?: DockerReference
}

/** The GPG signer of --sign-by (with --sign-passphrase-file's passphrase) and --sign-identity. */
export function signingOptionsFrom(v: FlagValues, env: NodeJS.ProcessEnv = process.env): SigningOptions {
  const out: SigningOptions = { signers: [] }
  const signBy = v.str('sign-by')
  const passphraseFile = v.str('sign-passphrase-file')
  if (signBy) {
    const passphrase = passphraseFile ? readPassphraseFile(passphraseFile) : undefined
    out.signers.push(gpgSigner(signBy, { env, ...(passphrase !== undefined ? { passphrase } : {}) }))
  }
  const identity = v.str('sign-identity')
  if (identity) out.signIdentity = parseSignIdentity(identity)
  return out
}
