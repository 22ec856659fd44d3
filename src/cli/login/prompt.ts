/**
 * `login`'s interactive questions: a username (echoed) and a password (not echoed), on a terminal only;
 * and `--password-stdin`'s reader.
 */
import type { Readable, Writable } from 'node:stream'
import { SkiffError } from '../../errors.js'
import { lazyBuiltin } from '../../util/lazy-builtin.js'

// on first prompt: every copy imports this file (signing passphrases) and prompts for nothing
const readline = lazyBuiltin<typeof import('node:readline')>('node:readline')

export interface PromptStreams {
  input?: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }
  output?: Writable
}

/** Asks for a username; an empty answer keeps `stored` (as containers/common). */
export async function promptUsername(stored: string | undefined, io: PromptStreams = {}): Promise<string> {
  const input = io.input ?? (process.stdin as PromptStreams['input'] & Readable)
  const output = io.output ?? process.stdout
  if (!input?.isTTY) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      'cannot prompt for a username: standard input is not a terminal; pass --username (and --password or --password-stdin)',
    )
  }
  const rl = readline().createInterface({ input, output, terminal: true })
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
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      'cannot prompt for a password: standard input is not a terminal; pass --password, or --password-stdin with --username',
    )
  }
  // prompts go to stdout, as skopeo's
  return readPasswordFromTerminal('Password: ', { input, output: io.output ?? process.stdout })
}

/** Reads a line from a TTY without echoing it. Throws when `input` is not a terminal. */
export function readPasswordFromTerminal(prompt: string, io: PromptStreams = {}): Promise<string> {
  const input = io.input ?? (process.stdin as PromptStreams['input'] & Readable)
  const output = io.output ?? process.stderr
  if (!input?.isTTY || typeof input.setRawMode !== 'function') {
    return Promise.reject(
      new SkiffError(
        'ERR_INVALID_ARGUMENT',
        'cannot prompt for a password: standard input is not a terminal; pass it with --password, --creds USER:PASS or --password-stdin',
      ),
    )
  }
  output.write(prompt)
  return new Promise((resolve, reject) => {
    let buf = ''
    let finished = false
    const done = (err?: Error): void => {
      if (finished) return
      finished = true
      input.setRawMode?.(false)
      input.pause()
      input.off('data', onData)
      input.off('end', onEnd)
      output.write('\n')
      if (err) reject(err)
      else resolve(buf)
    }
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done()
        if (ch === '\u0003') return done(new SkiffError('ERR_ABORTED', 'password prompt interrupted'))
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1)
        else buf += ch
      }
    }
    const onEnd = (): void => done()
    input.setRawMode?.(true)
    input.on('data', onData)
    input.once('end', onEnd)
    input.resume()
  })
}

/** `login --password-stdin`: every line of stdin joined without the newlines (as containers/common). */
export async function readPasswordStdin(input: Readable = process.stdin): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).join('')
}
