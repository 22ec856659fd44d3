/**
 * Passphrases for signing keys, as skopeo gets them: the first line of a file (`--passphrase-file`,
 * `--sign-passphrase-file`: containers/image's cli.ReadPassphraseFile, only the "\n" removed), or
 * a prompt without echo when standard input is a terminal.
 */
import { SkiffError } from '../errors.js'
import { readFileAtMost } from '../util/limits.js'
import { readPasswordFromTerminal, type PromptStreams } from './login/prompt.js'

/** A passphrase file larger than this is surely not one. */
const MAX_PASSPHRASE_FILE = 1024 * 1024

/** The first line of `path`, without its "\n". */
export async function readPassphraseFile(path: string): Promise<string> {
  let data: Buffer
  try {
    data = await readFileAtMost(
      path,
      MAX_PASSPHRASE_FILE,
      () =>
        new SkiffError(
          'ERR_INVALID_ARGUMENT',
          `reading passphrase file ${path}: larger than 1 MiB; is it the right file?`,
        ),
    )
  } catch (e) {
    if (e instanceof SkiffError) throw e
    throw new SkiffError('ERR_IO', `reading passphrase file ${path}: ${(e as Error).message}`, { cause: e })
  }
  const nl = data.indexOf(0x0a)
  return (nl < 0 ? data : data.subarray(0, nl)).toString('utf8')
}

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
