/** `skiff standalone-sign MANIFEST DOCKER-REFERENCE KEY-FINGERPRINT -o SIGNATURE` (skopeo's output and messages). */
import { readFile } from 'node:fs/promises'
import { SkiffError } from '../../errors.js'
import { signDockerManifest } from '../../signature/gpg-signer.js'
import { writeFileAtomic } from '../../util/atomic.js'
import type { FlagValues } from '../flags.js'
import { readPassphraseFile } from '../options/signing.js'
import { UsageError } from '../usage-error.js'
import type { CommandContext } from './types.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  const output = flags.str('output')
  if (args.length !== 3 || !output)
    throw new UsageError('Usage: skopeo standalone-sign manifest docker-reference key-fingerprint -o signature')
  const [manifestPath, dockerReference, fingerprint] = args as [string, string, string]
  let manifest: Buffer
  try {
    manifest = await readFile(manifestPath)
  } catch (e) {
    throw new SkiffError('ERR_IO', `Error reading ${manifestPath}: ${(e as Error).message}`, { cause: e })
  }
  const pf = flags.str('passphrase-file')
  const passphrase = pf ? readPassphraseFile(pf) : undefined
  let sig: Buffer
  try {
    sig = await signDockerManifest(manifest, dockerReference, fingerprint, {
      env: ctx.context?.env ?? process.env,
      signal: ctx.signal,
      ...(passphrase !== undefined ? { passphrase } : {}),
    })
  } catch (e) {
    throw new SkiffError('ERR_SIGNING', `Error creating signature: ${(e as Error).message}`, { cause: e })
  }
  try {
    await writeFileAtomic(output, sig)
  } catch (e) {
    throw new SkiffError('ERR_IO', `Error writing signature to ${output}: ${(e as Error).message}`, { cause: e })
  }
  return 0
}
