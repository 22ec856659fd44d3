/**
 * Asking for the passphrase of a signing key on the terminal, as skopeo does (the file forms,
 * `--passphrase-file` and `--sign-passphrase-file`, are options/signing.ts's readPassphraseFile).
 */
import { SkiffError } from '../errors.js'
import { readPasswordFromTerminal, type PromptStreams } from './login/prompt.js'

/** Asks for the passphrase of `keyFile` on the terminal (skopeo's promptForPassphrase; prompt on stdout). */
export async function promptForPassphrase(keyFile: string, io: PromptStreams = {}): Promise<string> {
  const input = io.input ?? (process.stdin as NonNullable<PromptStreams['input']>)
  if (!input.isTTY)
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `Cannot prompt for a passphrase for key ${keyFile}, standard input is not a TTY; pass the passphrase in a file (--passphrase-file or --sign-passphrase-file)`,
    )
  return readPasswordFromTerminal(`Passphrase for key ${keyFile}: `, { input, output: io.output ?? process.stdout })
}
