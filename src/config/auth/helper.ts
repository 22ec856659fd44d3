/**
 * The docker-credential-helpers protocol: `docker-credential-<name> get|store|erase|list`, one
 * request on stdin, JSON on stdout; "credentials not found" is an answer, not a failure.
 * The program is looked up on the PATH of the `env` given (so tests can put a helper on a temp PATH).
 */
import { lazyBuiltin } from '../../util/lazy-builtin.js'
import { SkiffError } from '../../errors.js'

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process')

export interface HelperCredentials {
  serverURL: string
  username: string
  secret: string
}

export interface HelperOptions {
  env?: NodeJS.ProcessEnv
}

/** The helper program answered "not found" (the docker-credential-helpers message). */
export function isCredentialsNotFoundMessage(out: string): boolean {
  return /credentials not found/i.test(out)
}

interface HelperRun {
  code: number
  stdout: string
  stderr: string
}

function runHelper(name: string, action: string, input: string, opts: HelperOptions): Promise<HelperRun> {
  const program = `docker-credential-${name}`
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(program, [action], {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(
          new SkiffError(
            'ERR_CREDENTIAL_HELPER',
            `credential helper ${program} not found in $PATH: install it or remove "${name}" from the credential helper configuration`,
            { cause: e },
          ),
        )
      } else {
        reject(
          new SkiffError('ERR_CREDENTIAL_HELPER', `running credential helper ${program}: ${e.message}`, { cause: e }),
        )
      }
    })
    child.on('close', (code) => {
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
    // A helper that exits without reading stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

function failure(name: string, action: string, r: HelperRun, what: string): SkiffError {
  const msg = (r.stdout.trim() || r.stderr.trim() || `exit status ${r.code}`).split('\n')[0]
  return new SkiffError(
    'ERR_CREDENTIAL_HELPER',
    `credential helper docker-credential-${name} ${action} ${what}: ${msg}`,
  )
}

/** Credentials for `serverURL`, or undefined when the helper has none. */
export async function helperGet(
  name: string,
  serverURL: string,
  opts: HelperOptions = {},
): Promise<HelperCredentials | undefined> {
  const r = await runHelper(name, 'get', serverURL, opts)
  if (r.code !== 0) {
    if (isCredentialsNotFoundMessage(r.stdout) || isCredentialsNotFoundMessage(r.stderr)) return undefined
    throw failure(name, 'get', r, `for ${serverURL} failed`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(r.stdout)
  } catch {
    throw new SkiffError(
      'ERR_CREDENTIAL_HELPER',
      `credential helper docker-credential-${name} get for ${serverURL} did not print JSON`,
    )
  }
  const d = doc as { ServerURL?: unknown; Username?: unknown; Secret?: unknown }
  const username = typeof d.Username === 'string' ? d.Username : ''
  const secret = typeof d.Secret === 'string' ? d.Secret : ''
  if (username === '' && secret === '') return undefined
  return { serverURL: typeof d.ServerURL === 'string' ? d.ServerURL : serverURL, username, secret }
}

export async function helperStore(name: string, creds: HelperCredentials, opts: HelperOptions = {}): Promise<void> {
  const r = await runHelper(
    name,
    'store',
    JSON.stringify({ ServerURL: creds.serverURL, Username: creds.username, Secret: creds.secret }),
    opts,
  )
  if (r.code !== 0) throw failure(name, 'store', r, `for ${creds.serverURL} failed`)
}

/** Erases `serverURL`; returns false when the helper had nothing stored for it. */
export async function helperErase(name: string, serverURL: string, opts: HelperOptions = {}): Promise<boolean> {
  const r = await runHelper(name, 'erase', serverURL, opts)
  if (r.code !== 0) {
    if (isCredentialsNotFoundMessage(r.stdout) || isCredentialsNotFoundMessage(r.stderr)) return false
    throw failure(name, 'erase', r, `for ${serverURL} failed`)
  }
  return true
}

/** serverURL → username of everything the helper stores. */
export async function helperList(name: string, opts: HelperOptions = {}): Promise<Record<string, string>> {
  const r = await runHelper(name, 'list', '', opts)
  if (r.code !== 0) throw failure(name, 'list', r, 'failed')
  try {
    const doc = JSON.parse(r.stdout || '{}') as unknown
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object')
    return doc as Record<string, string>
  } catch {
    throw new SkiffError(
      'ERR_CREDENTIAL_HELPER',
      `credential helper docker-credential-${name} list did not print a JSON object`,
    )
  }
}
