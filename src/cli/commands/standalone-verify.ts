/**
 * `skiff standalone-verify MANIFEST DOCKER-REFERENCE KEY-FINGERPRINT[,…] SIGNATURE`: verified
 * in-process against the user's GnuPG public keys (exported with `gpg --export`) or
 * --public-key-file; `any` accepts any key of that file. Output as newer skopeo's:
 * "Signature verified using fingerprint F, digest D".
 */
import { readFile } from 'node:fs/promises'
import { SkiffError } from '../../errors.js'
import { gpgExportPublicKeys } from '../../signature/gpg.js'
import { importKeys } from '../../signature/openpgp.js'
import { verifyManifestSignature } from '../../signature/standalone.js'
import type { FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'
import type { CommandContext } from './types.js'

async function readOrFail(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (e) {
    throw new SkiffError('ERR_IO', `Error reading ${what} from ${path}: ${(e as Error).message}`, { cause: e })
  }
}

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 4)
    throw new UsageError('Usage: skopeo standalone-verify manifest docker-reference key-fingerprint signature')
  const [manifestPath, expectedRef, fingerprints, signaturePath] = args as [string, string, string, string]
  let expected = fingerprints.split(',')
  const publicKeyFile = flags.str('public-key-file')
  const any = expected.length === 1 && expected[0] === 'any'
  if (!publicKeyFile && any) throw new UsageError('Cannot use any fingerprint without a public key file')
  const manifest = await readOrFail(manifestPath, 'manifest')
  const signature = await readOrFail(signaturePath, 'signature')
  const keys = publicKeyFile
    ? await readOrFail(publicKeyFile, 'public keys')
    : await gpgExportPublicKeys({ env: ctx.context?.env ?? process.env, signal: ctx.signal })
  const keyring = await importKeys([keys])
  if (any) expected = keyring.fingerprints
  let sig
  try {
    sig = await verifyManifestSignature(signature, manifest, expectedRef, keyring, expected)
  } catch (e) {
    throw new SkiffError('ERR_SIGNATURE_INVALID', `Error verifying signature: ${(e as Error).message}`, { cause: e })
  }
  ctx.stdout.write(`Signature verified using fingerprint ${sig.keyIdentity}, digest ${sig.dockerManifestDigest}\n`)
  return 0
}
