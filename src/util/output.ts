/**
 * Files the user names as outputs (docker-archive:PATH, oci-archive:PATH, --digestfile, --report,
 * auth files): where the bytes really go, and how to write them so nothing half-written is visible.
 *
 * - A regular file (or a new path): symlinks are followed first, and a temp file beside the REAL
 *   target is renamed onto it at commit. A symlink stays a symlink; its target gets the content.
 * - An already-open descriptor (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`, or any symlink that
 *   leads to one), a FIFO, a character or block device, a socket, or anything under /dev (except
 *   /dev/shm) or /proc: written in place, never replaced. A descriptor of this process is written through
 *   that descriptor itself (works for pipes, sockets and redirected files alike, at the shell's
 *   offset, as `cmd > out` and `cmd >> out` expect).
 */
import { fstatSync, write } from 'node:fs'
import { lstat, mkdir, open, readlink, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { isNotFound } from '../errors.js'
import { tempPathFor } from './atomic.js'
import { registerTempPath, unregisterTempPath } from './cleanup.js'

export type OutputTarget =
  /** Write to a temp file beside `path` (the real, symlink-free target) and rename it there. */
  | { kind: 'atomic'; path: string }
  /** Open `path` and write it in place (FIFO, device, another process's descriptor, /dev/...). */
  | { kind: 'in-place'; path: string }
  /** Write through this process's open descriptor `fd`. */
  | { kind: 'fd'; fd: number; path: string }

// built on first use: at load process.pid may be the build's (the executable's start-up snapshot)
let ownFd: RegExp | undefined
const OWN_FD = (): RegExp => (ownFd ??= new RegExp(`^/(?:proc/(?:self|thread-self|${process.pid})/fd|dev/fd)/(\\d+)$`))
const OTHER_FD = /^\/proc\/[^/]+\/fd\/\d+$/

function isOpenFd(fd: number): boolean {
  try {
    fstatSync(fd)
    return true
  } catch {
    return false
  }
}

/** Follows `path` through its symlinks and says how it must be written (see the module comment). */
export async function resolveOutputTarget(path: string): Promise<OutputTarget> {
  let p = resolve(path)
  for (let hops = 0; hops < 40; hops++) {
    const own = OWN_FD().exec(p)
    if (own && isOpenFd(Number(own[1]))) return { kind: 'fd', fd: Number(own[1]), path: p }
    if (OTHER_FD.test(p) || own) return { kind: 'in-place', path: p }
    if ((p.startsWith('/dev/') && !p.startsWith('/dev/shm/')) || p.startsWith('/proc/'))
      return { kind: 'in-place', path: p }
    let st
    try {
      st = await lstat(p)
    } catch (e) {
      if (isNotFound(e)) return { kind: 'atomic', path: p } // a new file (or a dangling symlink's target)
      throw e
    }
    if (st.isSymbolicLink()) {
      p = resolve(dirname(p), await readlink(p))
      continue
    }
    // Regular files and directories (which the caller refuses) take the atomic path.
    if (st.isFile() || st.isDirectory()) return { kind: 'atomic', path: p }
    return { kind: 'in-place', path: p }
  }
  // A symlink loop: let open() report ELOOP on the original path.
  return { kind: 'in-place', path: resolve(path) }
}

/** A Writable onto an fd this process already has open; the fd is left open. Copes with non-blocking fds (EAGAIN). */
class FdWritable extends Writable {
  constructor(private readonly fd: number) {
    super({ highWaterMark: 1 << 20 })
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeAll(chunk).then(() => cb(), cb)
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    let off = 0
    let delay = 1
    while (off < chunk.length) {
      try {
        off += await new Promise<number>((res, rej) =>
          write(this.fd, chunk, off, chunk.length - off, null, (err, n) => (err ? rej(err) : res(n))),
        )
        delay = 1
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
          // which descriptor failed: a caller tells "our stdout was closed" (EPIPE on fd 1) from other pipes
          ;(e as { fd?: number }).fd = this.fd
          throw e
        }
        await sleep(delay)
        delay = Math.min(delay * 2, 50)
      }
    }
  }
}

export interface OutputFile {
  readonly target: OutputTarget
  /** Where the bytes go; its errors reject commit() (and are never left unhandled). */
  readonly stream: Writable
  /** Waits until everything is written, then makes it visible (fsync + rename for atomic targets). */
  commit(): Promise<void>
  /** Stops writing and removes the temp file (an in-place target keeps what was written). */
  discard(): Promise<void>
}

/**
 * Opens `path` for writing as resolveOutputTarget says. A stream error is kept and makes commit()
 * reject, so ENOSPC or EPIPE arrive as rejections, never as an uncaught 'error' event.
 */
export async function openOutputFile(
  path: string,
  opts: { mode?: number; mkdirs?: boolean } = {},
): Promise<OutputFile> {
  const mode = opts.mode ?? 0o644
  const target = await resolveOutputTarget(path)
  let fh: FileHandle | undefined
  let stream: Writable
  let tmp: string | undefined
  if (target.kind === 'fd') {
    stream = new FdWritable(target.fd)
  } else if (target.kind === 'in-place') {
    fh = await open(target.path, 'w', mode)
    stream = fh.createWriteStream()
  } else {
    if (opts.mkdirs) await mkdir(dirname(target.path), { recursive: true })
    tmp = tempPathFor(target.path)
    registerTempPath(tmp)
    try {
      fh = await open(tmp, 'wx', mode)
    } catch (e) {
      unregisterTempPath(tmp)
      throw e
    }
    // flush: fsync before the stream closes the file (a rename must never publish unsynced data).
    stream = fh.createWriteStream({ flush: true })
  }
  let failure: unknown
  stream.on('error', (e) => {
    failure ??= e
  })
  const settled = new Promise<void>((res) => {
    stream.once('close', () => res())
    stream.once('finish', () => res())
  })
  const removeTemp = async (): Promise<void> => {
    if (tmp === undefined) return
    await rm(tmp, { force: true })
    unregisterTempPath(tmp)
  }
  return {
    target,
    stream,
    async commit() {
      if (!stream.writableEnded && !stream.destroyed) stream.end()
      await settled
      try {
        // The file is fsync'd and closed after 'finish': its errors (ENOSPC on close, EIO) count too.
        if (fh) await closed(stream)
        if (failure !== undefined) throw failure
        if (stream.destroyed && !stream.writableFinished)
          throw new Error('the output was closed before everything was written')
        if (target.kind === 'atomic') {
          await rename(tmp!, target.path)
          unregisterTempPath(tmp!)
          tmp = undefined
        }
      } catch (e) {
        if (fh) await closed(stream)
        await removeTemp()
        throw e
      }
    },
    async discard() {
      stream.destroy()
      await settled
      if (fh) await closed(stream)
      await removeTemp()
    },
  }
}

/** Waits for a file stream to close its file. */
function closed(stream: Writable): Promise<void> {
  return stream.closed ? Promise.resolve() : new Promise((res) => stream.once('close', () => res()))
}

/** Writes a whole (small) output file: atomically for regular files, in place for the rest (see above). */
export async function writeOutputFile(
  path: string,
  data: Uint8Array | string,
  opts: { mode?: number; mkdirs?: boolean } = {},
): Promise<void> {
  const out = await openOutputFile(path, opts)
  out.stream.write(data)
  await out.commit()
}
