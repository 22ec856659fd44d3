/**
 * The store is read and written only through containers/storage's own code: the `containers-storage`
 * program (Debian's containers-storage package, c/storage 1.43), one short process per operation.
 * It takes the store's locks as podman does (POSIX fcntl record locks on storage.lock, layers.lock,
 * images.lock — which Node cannot take), applies layers with the driver's own code (overlay's diff/
 * and l/ links, whiteout devices, opaque xattrs; vfs's full copies), writes tar-split data and the
 * `incomplete` flag that makes a half-applied layer disappear on the next load, and saves
 * layers.json / images.json by atomic rename. docs/ARCHITECTURE.md says why.
 */
import { lazyBuiltin } from '../../util/lazy-builtin.js'
import { SkiffError } from '../../errors.js'
import type { Store } from './store-spec.js'

// on first use: child_process brings net and dgram into every process that imports this file
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process')

export const PROGRAM = 'containers-storage'

/** What is kept of the program's stdout in memory (images/layers lists, big data items). */
const MAX_OUTPUT = 64 * 1024 * 1024
const MAX_STDERR = 8192

export interface RunOptions {
  signal?: AbortSignal | undefined
  /** The image the operation is for (messages). */
  image: string
}

export class CliError extends SkiffError {
  constructor(
    message: string,
    /** The program's own error text (last line), for callers that branch on it. */
    readonly detail: string,
    image: string,
  ) {
    super('ERR_IO', message, { image })
  }
}

export function storeArgs(store: Store): string[] {
  const args = ['--storage-driver', store.driver, '--graph', store.graphRoot, '--run', store.runRoot]
  for (const o of store.options) args.push('--storage-opt', o)
  return args
}

/**
 * The program's error in one line: the first line that is not a logrus warning (Go's `%+v` puts
 * the message first, a stack may follow), with logrus decoration removed (`level=error msg="X"` → X).
 */
export function cleanDetail(text: string): string {
  for (const raw of text.split('\n')) {
    const l = raw.trim()
    if (l === '' || /\blevel=(?:warning|info|debug|trace)\b/.test(l)) continue
    const m = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(l)
    return m ? m[1]!.replace(/\\(.)/g, '$1') : l
  }
  return ''
}

function missingProgram(image: string): SkiffError {
  return new SkiffError(
    'ERR_UNSUPPORTED',
    `${image}: the containers-storage transport needs the "${PROGRAM}" program (containers/storage's own tool, which takes the store's locks as podman does); install it with: apt-get install -y containers-storage`,
    { image },
  )
}

/**
 * Runs `containers-storage STORE-FLAGS args…` and returns its stdout. A non-zero exit is a CliError
 * with the program's message; a missing program says what to install.
 */
export function runStoreCli(store: Store, args: string[], opts: RunOptions): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const argv = [...storeArgs(store), ...args]
    const child = childProcess().spawn(PROGRAM, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
    const out: Buffer[] = []
    let outLen = 0
    let err = ''
    let failed: Error | undefined
    child.stdout.on('data', (c: Buffer) => {
      outLen += c.length
      if (outLen > MAX_OUTPUT) {
        failed ??= new SkiffError(
          'ERR_IO',
          `${opts.image}: ${PROGRAM} ${args[0]}: more than ${MAX_OUTPUT} bytes of output`,
          {
            image: opts.image,
          },
        )
        child.kill('SIGKILL')
        return
      }
      out.push(c)
    })
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < MAX_STDERR) err += c.toString('utf8')
    })
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') failed = missingProgram(opts.image)
      else failed ??= e
    })
    child.on('close', (code, signal) => {
      if (failed) return reject(failed)
      if (code === 0) return resolvePromise(Buffer.concat(out))
      // The program prints some errors on stdout ("error initializing: …").
      const detail = cleanDetail(err) || cleanDetail(Buffer.concat(out).toString('utf8').slice(-MAX_STDERR))
      const how = signal ? `was killed by ${signal}` : `failed (exit status ${code})`
      reject(
        new CliError(`${opts.image}: ${PROGRAM} ${args[0]} ${how}${detail ? `: ${detail}` : ''}`, detail, opts.image),
      )
    })
  })
}

/** Runs the program and parses its JSON output (`--json` commands). */
export async function runStoreCliJson<T>(store: Store, args: string[], opts: RunOptions): Promise<T> {
  const out = await runStoreCli(store, args, opts)
  const text = out.toString('utf8').trim()
  try {
    return JSON.parse(text === '' ? 'null' : text) as T
  } catch (e) {
    throw new SkiffError('ERR_IO', `${opts.image}: ${PROGRAM} ${args[0]} printed something that is not JSON`, {
      image: opts.image,
      cause: e,
    })
  }
}
