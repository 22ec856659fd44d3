/**
 * Credential flags (--creds, --username/--password, --registry-token, --no-creds, with any src-/dest-
 * prefix) into one typed value, with skopeo's mutual-exclusion rules and messages
 * (cmd/skopeo/utils.go newSystemContext), and the terminal / stdin password readers `login` needs.
 */
import type { Readable, Writable } from 'node:stream'
import { SkiffError } from '../../errors.js'

export interface CredentialFlags {
  creds?: string
  username?: string
  password?: string
  registryToken?: string
  noCreds?: boolean
}

/** What the flags ask for; `stored` = look credentials up in auth files / helpers. */
export interface FlagCredentials {
  mode: 'stored' | 'anonymous' | 'explicit'
  username?: string
  password?: string
  /** --creds USER without ":PASS" (skopeo then sends an empty password). */
  passwordMissing?: boolean
  /** --registry-token: sent as the Bearer token as is; wins over any username/password. */
  registryToken?: string
}

function usage(msg: string): SkiffError {
  return new SkiffError('ERR_INVALID_ARGUMENT', msg)
}

/** skopeo's parseCreds: split at the first ':'; the username must not be empty. */
export function parseCredsFlag(value: string): { username: string; password: string; passwordMissing: boolean } {
  if (value === '') throw usage("credentials can't be empty")
  const i = value.indexOf(':')
  const username = i === -1 ? value : value.slice(0, i)
  if (username === '') throw usage("username can't be empty")
  return { username, password: i === -1 ? '' : value.slice(i + 1), passwordMissing: i === -1 }
}

/** The flags of one side as skopeo combines them; messages name the prefixed flags as skopeo does (unprefixed). */
export function credentialsFromFlags(f: CredentialFlags): FlagCredentials {
  const noCreds = f.noCreds === true
  if (f.creds !== undefined && noCreds) throw usage('creds and no-creds cannot be specified at the same time')
  if (f.username !== undefined && noCreds) throw usage('username and no-creds cannot be specified at the same time')
  if (f.creds !== undefined && f.username !== undefined) throw usage('creds and username cannot be specified at the same time')
  if ((f.username !== undefined) !== (f.password !== undefined)) {
    throw usage(f.username !== undefined ? 'password must be specified when username is specified' : 'username must be specified when password is specified')
  }
  let out: FlagCredentials = { mode: 'stored' }
  if (f.creds !== undefined) {
    const c = parseCredsFlag(f.creds)
    out = { mode: 'explicit', username: c.username, password: c.password }
    if (c.passwordMissing) out.passwordMissing = true
  } else if (f.username !== undefined) {
    out = { mode: 'explicit', username: f.username, password: f.password ?? '' }
  }
  if (noCreds) out = { mode: 'anonymous' }
  if (f.registryToken !== undefined) out.registryToken = f.registryToken
  return out
}

export interface PromptIO {
  input?: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }
  output?: Writable
}

/** Reads a line from a TTY without echoing it. Throws when `input` is not a terminal. */
export function readPasswordFromTerminal(prompt: string, io: PromptIO = {}): Promise<string> {
  const input = io.input ?? (process.stdin as PromptIO['input'] & Readable)
  const output = io.output ?? process.stderr
  if (!input?.isTTY || typeof input.setRawMode !== 'function') {
    return Promise.reject(new SkiffError('ERR_INVALID_ARGUMENT', 'cannot prompt for a password: standard input is not a terminal; pass it with --password, --creds USER:PASS or --password-stdin'))
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

/**
 * --creds USER without a password: skopeo sends an empty password. skiff asks on a terminal,
 * and keeps skopeo's behaviour (empty password) when `requireTerminal` is false and there is none.
 */
export async function completeMissingPassword(c: FlagCredentials, io: PromptIO & { requireTerminal?: boolean } = {}): Promise<FlagCredentials> {
  if (!c.passwordMissing) return c
  const input = io.input ?? (process.stdin as PromptIO['input'])
  if (!input?.isTTY) {
    if (io.requireTerminal) {
      throw new SkiffError('ERR_INVALID_ARGUMENT', `no password given for user "${c.username}" and standard input is not a terminal: use --creds USER:PASSWORD`)
    }
    const out: FlagCredentials = { ...c }
    delete out.passwordMissing
    return out
  }
  const password = await readPasswordFromTerminal(`Password for ${c.username}: `, io)
  const out: FlagCredentials = { ...c, password }
  delete out.passwordMissing
  return out
}

/** `login --password-stdin`: every line of stdin joined without the newlines (as containers/common). */
export async function readPasswordStdin(input: Readable = process.stdin): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).join('')
}
