/**
 * Where blobs are known to live, per registry: repositories a digest was pulled from or pushed to.
 * Used for cross-repository mounts. Kept in `$XDG_CACHE_HOME/skiff/blob-locations.json`
 * (default ~/.cache/skiff), merged with what is on disk and written atomically. Never fails a copy.
 * Also remembers, for its context only, blobs confirmed present (so they need no HEAD again).
 * One per context (src/registry/context.ts), shared by every registry client of that context.
 */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { tempPrefixFor, writeFileAtomic } from '../util/atomic.js'
import { sweepStaleTemps } from '../util/temp-owner.js'
import { noDebugLog, type DebugLog } from './log.js'

type Locations = Record<string, Record<string, string[]>>

const MAX_REPOS_PER_BLOB = 5
const MAX_BLOBS_PER_REGISTRY = 20_000

/** skiff's cache folder: $XDG_CACHE_HOME/skiff (when absolute), else ~/.cache/skiff. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME
  return join(xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.cache'), 'skiff')
}

export class BlobLocationCache {
  /** `file`: the cache file (default blob-locations.json in cacheDir()). */
  constructor(
    readonly file: string = join(cacheDir(), 'blob-locations.json'),
    private readonly log: DebugLog = noDebugLog,
  ) {}

  private data: Locations = {}
  private loaded: Promise<void> | undefined
  private dirty = false
  private readonly present = new Set<string>()

  private load(): Promise<void> {
    this.loaded ??= readLocations(this.file).then((d) => {
      this.data = merge(d, this.data)
    })
    return this.loaded
  }

  /** Repositories of `registry` known to hold `digest`, most recent first, excluding `exceptRepo`. */
  async candidates(registry: string, digest: string, exceptRepo: string): Promise<string[]> {
    await this.load()
    return (this.data[registry]?.[digest] ?? []).filter((r) => r !== exceptRepo)
  }

  /** Records that `repo` on `registry` holds `digest`. */
  record(registry: string, repo: string, digest: string): void {
    void this.load()
    const reg = (this.data[registry] ??= {})
    const list = reg[digest] ?? []
    if (list[0] === repo) return
    reg[digest] = [repo, ...list.filter((r) => r !== repo)].slice(0, MAX_REPOS_PER_BLOB)
    this.dirty = true
  }

  /** In-memory: this process saw the blob in that repository (uploaded, mounted or HEAD 200). */
  markPresent(registry: string, repo: string, digest: string): void {
    this.present.add(`${registry}/${repo}@${digest}`)
    this.record(registry, repo, digest)
  }

  isPresent(registry: string, repo: string, digest: string): boolean {
    return this.present.has(`${registry}/${repo}@${digest}`)
  }

  /** Forgets a location that turned out to be wrong. */
  forget(registry: string, repo: string, digest: string): void {
    const reg = this.data[registry]
    const list = reg?.[digest]
    if (!reg || !list) return
    reg[digest] = list.filter((r) => r !== repo)
    this.dirty = true
  }

  private flushTimer: NodeJS.Timeout | undefined

  /**
   * Writes the cache within a second (one write for many images in a sync, instead of a read,
   * merge and write per image). Unflushed entries are written by the next flush() (client close).
   */
  flushSoon(): void {
    if (!this.dirty || this.flushTimer) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      void this.flush()
    }, 1000)
    this.flushTimer.unref()
  }

  /** Writes the cache (merged with what other processes wrote meanwhile). Errors are ignored. */
  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    if (!this.dirty) return
    this.dirty = false
    const f = this.file
    try {
      await this.load()
      const merged = merge(await readLocations(f), this.data)
      for (const reg of Object.values(merged)) {
        const keys = Object.keys(reg)
        for (const k of keys.slice(0, Math.max(0, keys.length - MAX_BLOBS_PER_REGISTRY))) delete reg[k]
      }
      this.data = merged
      await sweepStaleTemps(dirname(f), tempPrefixFor(f)) // what a killed run left
      await writeFileAtomic(f, JSON.stringify({ version: 1, registries: merged }))
    } catch (e) {
      this.log(() => `registry: could not write the blob location cache ${f}: ${(e as Error).message}`)
    }
  }
}

async function readLocations(f: string): Promise<Locations> {
  try {
    const j = JSON.parse(await readFile(f, 'utf8')) as { version?: number; registries?: unknown }
    if (j.version === 1 && j.registries && typeof j.registries === 'object') return j.registries as Locations
  } catch {
    // missing or unreadable: start empty
  }
  return {}
}

/** `b` wins (newer): its repos come first. */
function merge(a: Locations, b: Locations): Locations {
  const out: Locations = {}
  for (const src of [a, b]) {
    for (const [reg, blobs] of Object.entries(src)) {
      const o = (out[reg] ??= {})
      for (const [d, repos] of Object.entries(blobs)) {
        if (!Array.isArray(repos)) continue
        const prev = o[d] ?? []
        o[d] = [...repos, ...prev.filter((r) => !repos.includes(r))].slice(0, MAX_REPOS_PER_BLOB)
      }
    }
  }
  return out
}
