/**
 * Temp names that say who owns them, so a later run can remove what a killed one (kill -9, power
 * loss) left behind without ever touching the files of a skiff that is still running.
 *
 * Every temp file or folder skiff creates carries `skiff<PID>-<START>-<HOST>` in its name: the
 * owner's process id, the owner's start time (clock ticks since boot, field 22 of /proc/PID/stat)
 * and a short hash of the host name. The owner is gone when no process has that PID
 * (`kill(pid, 0)` → ESRCH) or when the process with that PID started at another time (the PID was
 * reused). Names from another host (a shared filesystem) are never judged: their PIDs mean nothing
 * here. Without /proc (not Linux) the start time is 0 and only the PID is checked.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'

/** Start time of `pid` in clock ticks since boot, or undefined when it cannot be read. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const v = Number(rest[19])
    return Number.isSafeInteger(v) ? v : undefined
  } catch {
    return undefined
  }
}

// Computed on first use, never at load: a module's top level runs when the single executable is
// built (its start-up snapshot), on another host, in another process (docs/ARCHITECTURE.md).
let host: string | undefined
const HOST = (): string => (host ??= createHash('sha256').update(hostname()).digest('hex').slice(0, 6))
let ownTag: string | undefined

/** `skiff<PID>-<START>-<HOST>` of this process. */
export function ownerTag(): string {
  // process.pid is fixed for the process's life; computed once.
  ownTag ??= `skiff${process.pid}-${processStartTime(process.pid) ?? 0}-${HOST()}`
  return ownTag
}

/** A unique component for a temp name: the owner tag and 12 random hex digits. */
export function uniqueTempTag(): string {
  return `${ownerTag()}.${randomBytes(6).toString('hex')}`
}

const OWNER_RE = /skiff(\d+)-(\d+)-([0-9a-f]{6})\.[0-9a-f]{12}\.(?:tmp|old|stale)$/

/** Whether process `pid` exists (on this host). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists and belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether `name` is a skiff temp name whose owner process is gone (false for anything else). */
export function isStaleTempName(name: string): boolean {
  const m = OWNER_RE.exec(name)
  if (!m) return false
  const pid = Number(m[1])
  const start = Number(m[2])
  if (m[3] !== HOST()) return false
  if (`skiff${pid}-${start}-${m[3]}` === ownerTag()) return false
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  if (!isAlive(pid)) return true
  if (start === 0) return false
  const now = processStartTime(pid)
  return now !== undefined && now !== start
}

/**
 * Removes the entries of `dir` that are skiff temp names (optionally starting with `prefix`) whose
 * owner is gone. Best effort: never throws (a missing folder, an entry another run removes first or
 * one we may not remove are all fine). Returns how many were removed.
 */
export async function sweepStaleTemps(dir: string, prefix = ''): Promise<number> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return 0
  }
  let n = 0
  for (const name of names) {
    if (!name.startsWith(prefix) || !isStaleTempName(name)) continue
    try {
      await rm(join(dir, name), { recursive: true, force: true })
      n++
    } catch {
      // not ours to remove (permissions) or gone already
    }
  }
  return n
}

const sweptTmpdirs = new Map<string, Promise<number>>()

/**
 * Removes stale `skiff-*` temp entries (spooled blobs, archive copies, oci-archive folders) from
 * `dir` (--tmpdir, default os.tmpdir()), once per process and folder.
 */
export function sweepTmpdir(dir: string): Promise<number> {
  let p = sweptTmpdirs.get(dir)
  if (!p) {
    p = sweepStaleTemps(dir, 'skiff-')
    sweptTmpdirs.set(dir, p)
  }
  return p
}

/** Creates a fresh owner-tagged temp folder `PREFIX-skiff<PID>-….tmp` under `dir` (after sweeping stale ones). */
export async function makeTempDir(dir: string | undefined, prefix: string): Promise<string> {
  const base = dir ?? tmpdir()
  await sweepTmpdir(base)
  const p = join(base, `${prefix}-${uniqueTempTag()}.tmp`)
  await mkdir(p, { mode: 0o700 })
  return p
}
