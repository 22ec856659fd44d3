/**
 * An exclusive, cross-process lock on a file path: a lock file created atomically (link(2) of a
 * complete owner file, which fails with EEXIST while another holds it),
 * retried with a small backoff. A lock whose owner process is gone (same host) or that is older
 * than `staleMs` is broken. Used for read-modify-write of shared files such as an OCI layout's
 * index.json, so parallel writers never lose each other's entries.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { SkiffError } from '../errors.js'
import { registerTempPath, unregisterTempPath } from './cleanup.js'
import { isAlive, processStartTime, uniqueTempTag } from './temp-owner.js'

export interface LockOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number
  /** A lock file older than this is considered abandoned (default 30 s). */
  staleMs?: number
  signal?: AbortSignal
}

interface LockOwner {
  pid: number
  host: string
  token: string
  time: number
  /** The owner's start time (temp-owner.ts), so a reused PID is not taken for the owner. */
  start?: number
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') return v as LockOwner
  } catch {
    // unreadable or half-written (its owner is writing it right now): judged by age only
  }
  return undefined
}

/** Whether the lock at `path` (with inode `ino`) is abandoned. */
async function isStale(path: string, staleMs: number): Promise<{ stale: boolean; ino?: number }> {
  let st
  try {
    st = await stat(path)
  } catch {
    return { stale: false }
  }
  const owner = await readOwner(path)
  if (owner && owner.host === hostname() && owner.pid !== process.pid) {
    if (!isAlive(owner.pid)) return { stale: true, ino: st.ino }
    const now = owner.start ? processStartTime(owner.pid) : undefined
    if (now !== undefined && now !== owner.start) return { stale: true, ino: st.ino }
  }
  if (Date.now() - st.mtimeMs > staleMs) return { stale: true, ino: st.ino }
  return { stale: false }
}

/**
 * Removes an abandoned lock without removing a fresh one that replaced it meanwhile: the lock is
 * renamed aside and checked to be the one judged stale; if not, it is put back.
 */
async function breakStaleLock(path: string, ino: number): Promise<void> {
  const aside = `${path}.${uniqueTempTag()}.stale`
  try {
    await rename(path, aside)
  } catch {
    return // someone else broke or released it
  }
  try {
    const st = await stat(aside)
    if (st.ino !== ino) {
      // We took a fresh lock away from its owner: give it back if nobody has taken the path since.
      await link(aside, path).catch(() => undefined)
    }
  } finally {
    await unlink(aside).catch(() => undefined)
  }
}

export interface HeldLock {
  readonly path: string
  release(): Promise<void>
}

/** Acquires the lock file `lockPath` (created with O_EXCL); waits, with backoff, while another holds it. */
export async function acquireLock(lockPath: string, opts: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = opts.timeoutMs ?? 60_000
  const staleMs = opts.staleMs ?? 30_000
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(12).toString('hex'),
    time: Date.now(),
  }
  const started = processStartTime(process.pid)
  if (started !== undefined) owner.start = started
  const start = Date.now()
  let delay = 5
  for (;;) {
    if (opts.signal?.aborted)
      throw new SkiffError('ERR_ABORTED', `aborted while waiting for the lock ${lockPath}`, {
        cause: opts.signal.reason,
      })
    // The owner is written to a temp file first and linked into place, so a lock file is never
    // seen (or left by a kill -9) without its owner: a dead owner's lock is broken at once.
    const tmp = `${lockPath}.${uniqueTempTag()}.tmp`
    registerTempPath(tmp)
    let taken = false
    try {
      await writeFile(tmp, JSON.stringify(owner), { mode: 0o644 })
      await link(tmp, lockPath)
      taken = true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new SkiffError('ERR_IO', `cannot create the lock file ${lockPath}: ${(e as Error).message}`, { cause: e })
      }
    } finally {
      await unlink(tmp).catch(() => undefined)
      unregisterTempPath(tmp)
    }
    if (taken) {
      registerTempPath(lockPath)
      return {
        path: lockPath,
        release: async () => {
          unregisterTempPath(lockPath)
          const current = await readOwner(lockPath)
          // Never remove a lock that is no longer ours (it was broken as stale and re-taken).
          if (current?.token === owner.token) await unlink(lockPath).catch(() => undefined)
        },
      }
    }
    const { stale, ino } = await isStale(lockPath, staleMs)
    if (stale && ino !== undefined) {
      await breakStaleLock(lockPath, ino)
      continue
    }
    if (Date.now() - start > timeoutMs) {
      throw new SkiffError(
        'ERR_TIMEOUT',
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for the lock ${lockPath}; if no other skiff is running, remove that file`,
      )
    }
    await sleep(delay + Math.floor(Math.random() * delay))
    delay = Math.min(delay * 2, 100)
  }
}

/** Runs `fn` while holding the lock; the lock is released in `finally`. */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(lockPath, opts)
  try {
    return await fn()
  } finally {
    await lock.release()
  }
}
