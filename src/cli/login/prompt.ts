/** `login`'s interactive questions: a username (echoed) and a password (not echoed), on a terminal only. */
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { SkiffError } from '../../errors.js'
import { readPasswordFromTerminal } from '../../config/auth/index.js'

export interface PromptStreams {
  input?: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }
  output?: Writable
}

/** Asks for a username; an empty answer keeps `stored` (as containers/common). */
export async function promptUsername(stored: string | undefined, io: PromptStreams = {}): Promise<string> {
  const input = io.input ?? (process.stdin as PromptStreams['input'] & Readable)
  const output = io.output ?? process.stdout
  if (!input?.isTTY) {
    throw new SkiffError('ERR_INVALID_ARGUMENT', 'cannot prompt for a username: standard input is not a terminal; pass --username (and --password or --password-stdin)')
  }
  const rl = createInterface({ input, output, terminal: true })
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      rl.question(stored ? `Username (${stored}): ` : 'Username: ', resolve)
      rl.once('close', () => reject(new SkiffError('ERR_ABORTED', 'username prompt closed')))
    })
    const u = answer.trim()
    return u === '' ? (stored ?? '') : u
  } finally {
    rl.close()
  }
}

/** Asks for a password without echo (containers/common prints "Password: "). */
export async function promptPassword(io: PromptStreams = {}): Promise<string> {
  const input = io.input ?? (process.stdin as PromptStreams['input'] & Readable)
  if (!input?.isTTY) {
    throw new SkiffError('ERR_INVALID_ARGUMENT', 'cannot prompt for a password: standard input is not a terminal; pass --password, or --password-stdin with --username')
  }
  // prompts go to stdout, as skopeo's
  return readPasswordFromTerminal('Password: ', { input, output: io.output ?? process.stdout })
}
