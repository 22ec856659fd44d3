/**
 * The user's GnuPG through the `gpg` binary (so gpg-agent, smartcards and the user's keyring work as
 * with skopeo's gpgme): signing a payload with a secret key, exporting public keys. A passphrase
 * given by the caller (--sign-passphrase-file) is passed on a pipe with loopback pinentry, never on
 * the command line.
 */
import { lazyBuiltin } from '../util/lazy-builtin.js'
import { SkiffError } from '../errors.js'

// on first use: child_process brings net and dgram into every process that imports this file
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process')

export interface GpgOptions {
  /** Environment (GNUPGHOME, PATH, GPG_TTY …); default process.env. */
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
}

interface GpgRun {
  code: number | null
  stdout: Buffer
  stderr: string
}

function runGpg(args: string[], input: Buffer, opts: GpgOptions, passphrase?: string): Promise<GpgRun> {
  return new Promise((resolve, reject) => {
    const stdio: Array<'pipe'> = passphrase === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe']
    const child = childProcess().spawn('gpg', args, {
      env: opts.env ?? process.env,
      stdio,
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout!.on('data', (c: Buffer) => out.push(c))
    child.stderr!.on('data', (c: Buffer) => err.push(c))
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT')
        reject(
          new SkiffError(
            'ERR_SIGNING',
            'signing needs the gpg program (Debian: apt-get install gpg), which is not installed',
          ),
        )
      else reject(e)
    })
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    )
    child.stdin!.on('error', () => {}) // gpg may exit before reading all of it; its exit status says why
    child.stdin!.end(input)
    if (passphrase !== undefined) {
      const fd3 = child.stdio[3] as NodeJS.WritableStream & { on(e: 'error', f: () => void): void }
      fd3.on('error', () => {})
      fd3.end(`${passphrase}\n`)
    }
  })
}

/** gpg's reason on stderr (`gpg: signing failed: Bad passphrase` → `Bad passphrase`). */
function gpgReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.replace(/^gpg: /, '').trim())
  for (const l of lines) {
    const m = /^signing failed: (.+)$/.exec(l)
    if (m) return m[1]!
  }
  return lines.filter(Boolean).pop() ?? 'gpg failed'
}

/** The primary key fingerprint of the secret key `keyIdentity` names, or undefined when there is none. */
export async function secretKeyFingerprint(keyIdentity: string, opts: GpgOptions = {}): Promise<string | undefined> {
  const r = await runGpg(
    ['--batch', '--no-tty', '--with-colons', '--list-secret-keys', '--', keyIdentity],
    Buffer.alloc(0),
    opts,
  )
  if (r.code !== 0) return undefined
  const fpr = r.stdout
    .toString('utf8')
    .split('\n')
    .find((l) => l.startsWith('fpr:'))
  return fpr?.split(':')[9] || undefined
}

/**
 * Signs `payload` (a binary OpenPGP message, as gpgme's SigModeNormal) with the PRIMARY key of
 * `keyIdentity` (`FPR!`: a subkey signature is not accepted by containers/image's policy check).
 * Throws SkiffError('ERR_SIGNING') with containers/image's wording (`key "X" not found`) or gpg's reason.
 */
export async function gpgSign(
  payload: Buffer,
  keyIdentity: string,
  opts: GpgOptions & { passphrase?: string } = {},
): Promise<Buffer> {
  const fpr = await secretKeyFingerprint(keyIdentity, opts)
  if (!fpr) throw new SkiffError('ERR_SIGNING', `key ${JSON.stringify(keyIdentity)} not found`)
  const args = ['--batch', '--no-tty', '--sign', '--local-user', `${fpr}!`]
  if (opts.passphrase !== undefined) args.unshift('--pinentry-mode', 'loopback', '--passphrase-fd', '3')
  const r = await runGpg(args, payload, opts, opts.passphrase)
  if (r.code !== 0 || r.stdout.length === 0) throw new SkiffError('ERR_SIGNING', gpgReason(r.stderr))
  return r.stdout
}

/** The public keys of the user's keyring (all of them), binary. */
export async function gpgExportPublicKeys(opts: GpgOptions = {}): Promise<Buffer> {
  const r = await runGpg(['--batch', '--no-tty', '--export'], Buffer.alloc(0), opts)
  if (r.code !== 0) throw new SkiffError('ERR_SIGNING', `Error initializing GPG: ${gpgReason(r.stderr)}`)
  return r.stdout
}
