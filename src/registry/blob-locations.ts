/**
 * Where blobs are known to live, per registry: repositories a digest was pulled from or pushed to.
 * Used for cross-repository mounts. Never fails a copy. One per context (src/registry/context.ts),
 * shared by every registry client of that context. Also remembers, for its context only, blobs
 * confirmed present (so they need no HEAD again).
 *
 * On disk it is an index, so that start-up cost does not grow with history: under
 * `$XDG_CACHE_HOME/skiff/blob-locations/` (default ~/.cache/skiff) one folder per registry and in
 * it one small file per digest prefix (the first two hex digits: 256 shards, each at most
 * MAX_BLOBS_PER_SHARD digests, the least recently recorded dropped first). Nothing is read at
 * start: a shard is read the first time a mount candidate in it is asked for, and a flush reads,
 * merges and rewrites only the shards this process recorded something in. A process that only
 * reads (inspect) and records a handful of digests touches a handful of files of a few KB.
 * The format-1 single file (blob-locations.json, which grew with every image ever copied) is
 * no longer read; a flush removes it.
 */
import { readFile, readdir, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { tempPrefixFor, writeFileAtomic } from '../util/atomic.js'
import { sweepStaleTemps } from '../util/temp-owner.js'
import { noDebugLog, type DebugLog } from './log.js'

/** digest → repositories, most recent first */
type Blobs = Record<string, string[]>

const MAX_REPOS_PER_BLOB = 5
/** 256 shards × 128 = 32,768 digests per registry; a shard file stays below ~20 KB. */
export const MAX_BLOBS_PER_SHARD = 128
const FORMAT = 2
/**
 * flushSoon() writes at most this often. A flush rewrites every shard recorded in (a sync of a few
 * hundred images touches most of the 256 shards of both registries: ~500 small files), so a short
 * interval made the cache the largest CPU cost of a list sync; the last flush is at close.
 */
export const FLUSH_INTERVAL_MS = 30_000

/** skiff's cache folder: $XDG_CACHE_HOME/skiff (when absolute), else ~/.cache/skiff. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME
  return join(xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.cache'), 'skiff')
}

/** The shard a digest belongs to: the first two hex digits of its encoded part ("_" when it has none). */
export function shardOf(digest: string): string {
  const hex = digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 3).toLowerCase()
  return /^[0-9a-f]{2}$/.test(hex) ? hex : '_'
}

/** A registry name as one path component ("host:port" keeps its colon; "/" and "%" are escaped). */
function registryFolder(registry: string): string {
  const s = encodeURIComponent(registry).replace(/%3A/gi, ':')
  return s === '.' || s === '..' ? encodeURIComponent(s).replace(/\./g, '%2E') : s
}

class Shard {
  /** What the file held when first read (read lazily, once). */
  private disk: Promise<Blobs> | undefined
  /** Recorded by this process, digest → repos (most recent first); insertion order = recording order. */
  readonly mine = new Map<string, string[]>()
  /** `digest repo` pairs this process found wrong. */
  readonly forgotten = new Set<string>()
  dirty = false

  constructor(readonly file: string) {}

  /** `present`: the shard files of this shard's folder, listed once (a missing file is never opened). */
  read(present: Promise<Set<string>>): Promise<Blobs> {
    this.disk ??= present.then((names) => (names.has(basename(this.file)) ? readShard(this.file) : {}))
    return this.disk
  }

  view(digest: string, disk: Blobs): string[] {
    const theirs = (disk[digest] ?? []).filter((r) => !this.forgotten.has(`${digest} ${r}`))
    const mine = this.mine.get(digest) ?? []
    return [...mine, ...theirs.filter((r) => !mine.includes(r))].slice(0, MAX_REPOS_PER_BLOB)
  }

  /** What to write: the file as it is now (other processes may have written it) with this process's changes on top. */
  merged(now: Blobs): Blobs {
    const out: Blobs = {}
    for (const [d, repos] of Object.entries(now)) {
      if (this.mine.has(d) || !Array.isArray(repos)) continue
      const kept = repos.filter((r) => typeof r === 'string' && !this.forgotten.has(`${d} ${r}`))
      if (kept.length) out[d] = kept.slice(0, MAX_REPOS_PER_BLOB)
    }
    // recorded now: most recent, so last (the oldest keys are dropped first)
    for (const [d, mine] of this.mine) {
      const theirs = Array.isArray(now[d]) ? now[d]!.filter((r) => !this.forgotten.has(`${d} ${r}`)) : []
      const repos = [...mine, ...theirs.filter((r) => !mine.includes(r))].slice(0, MAX_REPOS_PER_BLOB)
      if (repos.length) out[d] = repos
    }
    const keys = Object.keys(out)
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_BLOBS_PER_SHARD))) delete out[k]
    return out
  }
}

export class BlobLocationCache {
  /**
   * `dir`: the cache folder (default blob-locations/ in cacheDir()). `persist` false: what is
   * recorded stays in memory (this process still mounts with it) and flush() writes nothing — for
   * commands that only read (inspect): their records would pay only for a later push to the
   * registry they read from, and the read, merge and rewrite of a shard per blob is most of the
   * file-system work such a process does.
   */
  constructor(
    readonly dir: string = join(cacheDir(), 'blob-locations'),
    private readonly log: DebugLog = noDebugLog,
    private readonly persist = true,
  ) {}

  private readonly shards = new Map<string, Shard>()
  private readonly present = new Set<string>()
  /** `registry@digest` → repositories markPresent named (in-memory, this context only). */
  private readonly presentIn = new Map<string, Set<string>>()
  /** Registry folder → the shard files it held when first asked (one readdir instead of a failed open per absent shard). */
  private readonly listings = new Map<string, Promise<Set<string>>>()

  private listing(folder: string): Promise<Set<string>> {
    let l = this.listings.get(folder)
    if (!l) this.listings.set(folder, (l = listShards(folder)))
    return l
  }

  private shard(registry: string, digest: string): Shard {
    const file = join(this.dir, registryFolder(registry), `${shardOf(digest)}.json`)
    let s = this.shards.get(file)
    if (!s) this.shards.set(file, (s = new Shard(file)))
    return s
  }

  /** Repositories of `registry` known to hold `digest`, most recent first, excluding `exceptRepo`. */
  async candidates(registry: string, digest: string, exceptRepo: string): Promise<string[]> {
    const s = this.shard(registry, digest)
    return s.view(digest, await s.read(this.listing(dirname(s.file)))).filter((r) => r !== exceptRepo)
  }

  /** Repositories of `registry` where this context saw `digest` present (markPresent), excluding `exceptRepo`; no file read. */
  presentElsewhere(registry: string, digest: string, exceptRepo: string): string[] {
    return [...(this.presentIn.get(`${registry}@${digest}`) ?? [])].filter((r) => r !== exceptRepo)
  }

  /** Records that `repo` on `registry` holds `digest`. */
  record(registry: string, repo: string, digest: string): void {
    const s = this.shard(registry, digest)
    const list = s.mine.get(digest) ?? []
    s.forgotten.delete(`${digest} ${repo}`)
    if (list[0] === repo) return
    s.mine.delete(digest) // re-inserted last: the most recently recorded
    s.mine.set(digest, [repo, ...list.filter((r) => r !== repo)].slice(0, MAX_REPOS_PER_BLOB))
    s.dirty = true
  }

  /** In-memory: this process saw the blob in that repository (uploaded, mounted or HEAD 200). */
  markPresent(registry: string, repo: string, digest: string): void {
    this.present.add(`${registry}/${repo}@${digest}`)
    const k = `${registry}@${digest}`
    const repos = this.presentIn.get(k)
    if (repos) repos.add(repo)
    else this.presentIn.set(k, new Set([repo]))
    this.record(registry, repo, digest)
  }

  isPresent(registry: string, repo: string, digest: string): boolean {
    return this.present.has(`${registry}/${repo}@${digest}`)
  }

  /** Forgets a location that turned out to be wrong. */
  forget(registry: string, repo: string, digest: string): void {
    const s = this.shard(registry, digest)
    s.forgotten.add(`${digest} ${repo}`)
    this.presentIn.get(`${registry}@${digest}`)?.delete(repo)
    this.present.delete(`${registry}/${repo}@${digest}`)
    const list = s.mine.get(digest)
    if (list?.includes(repo))
      s.mine.set(
        digest,
        list.filter((r) => r !== repo),
      )
    s.dirty = true
  }

  private flushTimer: NodeJS.Timeout | undefined

  /**
   * Writes the cache within FLUSH_INTERVAL_MS (one write for many images in a sync, instead of a
   * read, merge and write per image). Unflushed entries are written by the next flush() (client
   * close), so a sync shorter than the interval writes each shard once, at its end.
   */
  flushSoon(): void {
    if (!this.persist || this.flushTimer || ![...this.shards.values()].some((s) => s.dirty)) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      void this.flush()
    }, FLUSH_INTERVAL_MS)
    this.flushTimer.unref()
  }

  private legacyRemoved = false

  /** Writes the shards this process changed (each merged with what other processes wrote meanwhile). Errors are ignored. */
  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    const dirty = [...this.shards.values()].filter((s) => s.dirty)
    if (!dirty.length || !this.persist) return
    for (const s of dirty) s.dirty = false
    // per registry folder: sweep what a killed run left there, and list the shards now on disk
    const folders = new Map<string, Promise<Set<string>>>()
    const folderOf = (s: Shard): Promise<Set<string>> => {
      const folder = dirname(s.file)
      let l = folders.get(folder)
      if (!l) folders.set(folder, (l = sweepStaleTemps(folder, '.').then(() => listShards(folder))))
      return l
    }
    await Promise.all(
      dirty.map(async (s) => {
        try {
          const now = (await folderOf(s)).has(basename(s.file)) ? await readShard(s.file) : {}
          const merged = s.merged(now)
          // a cache: no fsync (a lost write costs a mount, never a wrong answer)
          await writeFileAtomic(s.file, JSON.stringify({ version: FORMAT, blobs: merged }), 0o644, undefined, {
            durable: false,
          })
        } catch (e) {
          this.log(() => `registry: could not write the blob location cache ${s.file}: ${(e as Error).message}`)
        }
      }),
    )
    if (!this.legacyRemoved) {
      this.legacyRemoved = true
      const legacy = join(this.dir, '..', 'blob-locations.json')
      await rm(legacy, { force: true }).catch(() => {})
      await sweepStaleTemps(join(this.dir, '..'), tempPrefixFor(legacy)).catch(() => 0)
    }
  }
}

async function listShards(folder: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(folder)).filter((n) => n.endsWith('.json')))
  } catch {
    return new Set() // no folder yet: nothing recorded for this registry
  }
}

async function readShard(f: string): Promise<Blobs> {
  try {
    const j = JSON.parse(await readFile(f, 'utf8')) as { version?: number; blobs?: unknown }
    if (j.version === FORMAT && j.blobs && typeof j.blobs === 'object' && !Array.isArray(j.blobs)) {
      return j.blobs as Blobs
    }
  } catch {
    // missing or unreadable: start empty
  }
  return {}
}
