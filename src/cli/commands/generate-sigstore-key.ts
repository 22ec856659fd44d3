/**
 * `skiff generate-sigstore-key --output-prefix P [--passphrase-file F]`: a new ECDSA P-256 key
 * pair in cosign's format, P.private (encrypted with the passphrase) and P.pub; existing files are
 * never overwritten. Output and checks as skopeo's.
 */
import type { Writable } from 'node:stream'
import { checkSigstoreKeyFilesAbsent, writeSigstoreKeyFiles } from '../../signature/sigstore/key-files.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { promptForPassphrase } from '../passphrase.js'
import { readPassphraseFile } from '../options/signing.js'
import { UsageError } from '../usage-error.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  const prefix = flags.str('output-prefix') ?? ''
  if (args.length !== 0 || prefix === '') throw new UsageError('Usage: generate-sigstore-key --output-prefix PREFIX')
  const { privateKeyPath } = await checkSigstoreKeyFilesAbsent(prefix)
  const passphraseFile = flags.str('passphrase-file')
  const passphrase = passphraseFile
    ? readPassphraseFile(passphraseFile)
    : await promptForPassphrase(privateKeyPath, { output: ctx.stdout as Writable })
  const files = await writeSigstoreKeyFiles(prefix, Buffer.from(passphrase, 'utf8'))
  ctx.stdout.write(
    `Key written to ${JSON.stringify(files.privateKeyPath)} and ${JSON.stringify(files.publicKeyPath)}\n`,
  )
  return 0
}
