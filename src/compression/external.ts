/**
 * xz and bzip2 decompression through the system's `xz` and `bzip2` programs, as streams
 * (docs/ARCHITECTURE.md says why these are programs rather than libraries). Like containers/image,
 * skiff only ever decompresses these formats; it never writes them.
 *
 * The Transform ends only after the program exited 0, so a truncated or corrupt input is always an
 * error (ERR_COMPRESSION), never a short but "successful" stream. A missing program is an
 * ERR_UNSUPPORTED naming the Debian package to install.
 */
import type { ChildProcessByStdio } from 'node:child_process'
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream'
import { SkiffError } from '../errors.js'
import { lazyBuiltin } from '../util/lazy-builtin.js'

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process')

export type ExternalFormat = 'xz' | 'bzip2'

const TOOLS: Record<ExternalFormat, { cmd: string; args: string[]; pkg: string }> = {
  // -c: to stdout. xz -q drops warnings but keeps errors; bzip2 -q would drop its errors too.
  xz: { cmd: 'xz', args: ['-d', '-c', '-q', '--no-sparse'], pkg: 'xz-utils' },
  bzip2: { cmd: 'bzip2', args: ['-d', '-c'], pkg: 'bzip2' },
}

const STDERR_LIMIT = 4096

export interface ExternalOptions {
  /** What is being decompressed, for messages (e.g. `docker-archive:img.tar.xz`, `layer sha256:…`). */
  what?: string | undefined
  /** Attached to errors. */
  image?: string | undefined
}

class ExternalDecompressor extends Transform {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>
  private stderr = ''
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  private flushCb: TransformCallback | undefined
  private flushing = false
  private spawnError: Error | undefined

  constructor(
    private readonly format: ExternalFormat,
    private readonly opts: ExternalOptions,
  ) {
    super()
    const tool = TOOLS[format]
    const cmd = tool.cmd
    this.child = childProcess().spawn(cmd, tool.args, { stdio: ['pipe', 'pipe', 'pipe'] })
    this.child.on('error', (e) => {
      this.spawnError = e
      this.destroy(this.describeSpawnError(e, cmd))
    })
    // The program may exit (corrupt input) while we still write: EPIPE here is reported through the
    // exit status instead.
    this.child.stdin.on('error', () => {})
    this.child.stdout.on('data', (d: Buffer) => {
      if (!this.push(d)) this.child.stdout.pause()
    })
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (this.stderr.length < STDERR_LIMIT) this.stderr += s.slice(0, STDERR_LIMIT - this.stderr.length)
    })
    this.child.on('close', (code, signal) => {
      if (this.spawnError) return
      this.exit = { code, signal }
      if (code !== 0) this.destroy(this.corrupt())
      // bzip2 stops at data after its stream and exits 0 with a warning; Go's decoder (and so
      // skopeo) refuses such input, and so does skiff, whether or not all of it was written yet.
      else if (/trailing garbage/.test(this.stderr))
        this.destroy(this.corrupt('data after the end of the compressed stream'))
      else if (!this.flushing) this.destroy(this.corrupt('the program stopped before the end of the input'))
      else this.flushCb?.()
    })
  }

  private label(): string {
    return this.opts.what ? `${this.opts.what}: ` : ''
  }

  private describeSpawnError(e: Error, cmd: string): SkiffError {
    const tool = TOOLS[this.format]
    const image = this.opts.image
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return new SkiffError(
        'ERR_UNSUPPORTED',
        `${this.label()}cannot decompress ${this.format} data: the "${cmd}" program is not installed; install it (Debian/Ubuntu: apt-get install ${tool.pkg})`,
        { ...(image ? { image } : {}), cause: e },
      )
    }
    return new SkiffError(
      'ERR_COMPRESSION',
      `${this.label()}cannot run "${cmd}" to decompress ${this.format} data: ${e.message}`,
      { ...(image ? { image } : {}), cause: e },
    )
  }

  private corrupt(reason?: string): SkiffError {
    const first = this.stderr.trim().split('\n')[0] ?? ''
    const why =
      reason ??
      (first.replace(/^[^\s:]+: (\(stdin\):? )?/, '').replace(/[;.]$/, '') ||
        (this.exit?.signal ? `killed by ${this.exit.signal}` : `exit status ${this.exit?.code}`))
    const image = this.opts.image
    return new SkiffError(
      'ERR_COMPRESSION',
      `${this.label()}not valid ${this.format} data (${why}); the file is truncated or corrupt`,
      image ? { image } : {},
    )
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (this.child.stdin.write(chunk)) cb()
    else this.child.stdin.once('drain', () => cb())
  }

  override _read(size: number): void {
    this.child.stdout.resume()
    super._read(size)
  }

  override _flush(cb: TransformCallback): void {
    this.flushing = true
    this.flushCb = cb
    this.child.stdin.end()
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (this.exit === undefined && !this.spawnError) this.child.kill('SIGKILL')
    this.child.stdout.destroy()
    cb(err)
  }
}

/** A Transform that decompresses xz or bzip2 data through the system program. */
export function externalDecompressor(format: ExternalFormat, opts: ExternalOptions = {}): Transform {
  return new ExternalDecompressor(format, opts)
}
