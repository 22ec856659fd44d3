/**
 * "select" at file-system speed: images resolved in one store (stored-image.ts) are written into
 * another store on the same filesystem as docker/distribution 2.8 lays them out, every `data` file
 * (layers, configs, manifests) a hardlink of the source's. What a per-image copy through the engine
 * paid for (measured on the seed's 143 images: ~1,200 fsyncs, ~20,000 realpath readlinks, ~7,600
 * mkdir calls, one promise per call) is gone:
 *
 * - synchronous calls, per image in three passes: the folders it needs that are not known to
 *   exist (a set of them; collected, sorted so parents come first, one mkdir each), the data files
 *   by link(2) straight to the final name (a hardlink appears whole: no temp name, no rename), the
 *   link files, written once (`wx`) and compared only when they already exist;
 * - crash safety by order, not by an fsync per file: blobs and `_layers`/revision links first,
 *   then one file-system flush (syncfs(2) through `sync -f`), then every tag (its folders, the
 *   `index` link, then `current` by temp + rename). A run killed before the tags leaves blobs and
 *   links but no new tag; a re-run completes it (an empty link file a kill left is rewritten).
 *
 * Blob contents are not hashed: the output's data file is the pool's own inode, served by
 * docker-registry by its content-addressed path without hashing either (README, "Release bundles").
 *
 * Another filesystem (EXDEV) or a store the process cannot link from falls back to copying that
 * file (temp in the repository's `_uploads`, then rename).
 */
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { SkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { tempPrefixFor } from '../../util/atomic.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { isStaleTempName, ownerTag } from '../../util/temp-owner.js'
import {
  blobDataPath,
  layerLinkPath,
  repositoryPath,
  revisionLinkPath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
  uploadsPath,
} from './layout.js'
import { readLinkSync, type StoredBlob, type StoredImage } from './stored-image.js'

const code = (e: unknown): string | undefined => (e as { code?: string }).code

/** What adding one image did. */
export interface SelectResult {
  /** Bytes of data files that are now hardlinks (or already were in the output). */
  bytesLinked: number
  /** Bytes copied because a hardlink was impossible (another filesystem). */
  bytesCopied: number
}

/**
 * Flushes the filesystem holding `dir` (syncfs(2) via coreutils' `sync -f`); where that program is
 * missing, an fsync of `dir` itself (ordering on ext4/xfs journals, whose commit carries every
 * earlier metadata change).
 */
export function flushFilesystem(dir: string): void {
  const r = spawnSync('sync', ['-f', dir], { stdio: 'ignore' })
  if (r.status === 0) return
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export class StoreSelectWriter {
  /** Folders known to exist (created or found by this writer). */
  private readonly dirs = new Set<string>()
  /** Data files already in place. */
  private readonly data = new Map<Digest, number>()
  /** Link files already written. */
  private readonly links = new Set<string>()
  /** Repositories whose `_uploads` was prepared (stale temps swept). */
  private readonly repos = new Set<string>()
  private readonly tags: { repo: string; tag: string; top: Digest }[] = []
  private tagsPublished = false
  /** Temp names: 6 random hex digits per writer and a counter (no crypto call per tag). */
  private readonly tempBase = Math.floor(Math.random() * 0x1000000)
  private temps = 0

  constructor(
    /** The output store's root (the registry's rootdirectory). */
    readonly root: string,
    private readonly durable = true,
  ) {
    // every path this writer makes is below root: the walk up in missingDirs stops here
    this.fresh = mkdirSync(root, { recursive: true }) !== undefined
    this.dirs.add(root)
  }

  /** Whether this writer made the root (so nothing in it was there before). */
  private readonly fresh: boolean

  /** The folders `dirs` and their parents not known to exist, each once, parents first. */
  private missingDirs(dirs: Iterable<string>): string[] {
    const missing: string[] = []
    for (let d of dirs) {
      while (!this.dirs.has(d)) {
        this.dirs.add(d)
        missing.push(d)
        const up = dirname(d)
        if (up === d) break
        d = up
      }
    }
    // a parent is a prefix of its children, so it sorts before them
    return missing.sort()
  }

  /**
   * Creates `dirs` (parents first, from missingDirs): one mkdir per folder, an existing one is one
   * EEXIST. Returns the folders that did not exist.
   */
  private makeDirs(dirs: readonly string[]): Set<string> {
    const made = new Set<string>()
    for (const [i, d] of dirs.entries()) {
      try {
        mkdirSync(d)
        made.add(d)
      } catch (e) {
        if (code(e) !== 'EEXIST') {
          // not made: forget it and the folders after it, so a later image tries them again
          for (const x of dirs.slice(i)) this.dirs.delete(x)
          throw e
        }
      }
    }
    return made
  }

  /** The repository's `_uploads` after its folders exist: temps a killed run left there are removed once. */
  private sweepUploads(repo: string, fresh: boolean): void {
    if (this.repos.has(repo)) return
    this.repos.add(repo)
    if (fresh) return // made just now: empty
    const up = uploadsPath(repo)
    for (const f of readdirSync(up)) if (isStaleTempName(f)) rmSync(join(up, f), { recursive: true, force: true })
  }

  private tempPath(target: string, dir: string): string {
    const n = (this.tempBase * 0x1000000 + this.temps++).toString(16).padStart(12, '0')
    return join(dir, `${tempPrefixFor(target)}${ownerTag()}.${n}.tmp`)
  }

  /** Hardlinks (or, across filesystems, copies) `b` into the output's blob store (its folder exists). */
  private putData(b: StoredBlob, target: string, tempDir: string, r: SelectResult): void {
    try {
      linkSync(b.path, target)
      r.bytesLinked += b.size
    } catch (e) {
      if (code(e) === 'EEXIST') {
        // content-addressed: a regular file of the right size is the blob (as the destination's reuse)
        const st = statSync(target)
        if (!st.isFile() || st.size !== b.size) this.replaceData(b, target, tempDir)
        r.bytesLinked += b.size
      } else if (code(e) === 'EXDEV' || code(e) === 'EPERM' || code(e) === 'EMLINK') {
        this.replaceData(b, target, tempDir)
        r.bytesCopied += b.size
      } else throw e
    }
    this.data.set(b.digest, b.size)
  }

  /** Writes `target` as a copy of `b` (temp + rename): for another filesystem or a damaged file. */
  private replaceData(b: StoredBlob, target: string, tempDir: string): void {
    const tmp = this.tempPath(target, tempDir)
    registerTempPath(tmp)
    try {
      copyFileSync(b.path, tmp)
      if (statSync(tmp).size !== b.size)
        throw new SkiffError('ERR_SIZE_MISMATCH', `${b.path}: the blob changed size while it was copied`)
      renameSync(tmp, target)
    } catch (e) {
      rmSync(tmp, { force: true })
      throw e
    } finally {
      unregisterTempPath(tmp)
    }
  }

  /** A link file holding `d` (no newline; its folder exists); an existing one is kept when it holds exactly that. */
  private putLink(path: string, d: Digest, tempDir: string): void {
    try {
      writeFileSync(path, d, { flag: 'wx', mode: 0o644 })
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e
      if (readFileSync(path, 'utf8') !== d) this.replaceLink(path, d, tempDir)
    }
    this.links.add(path)
  }

  private replaceLink(path: string, d: Digest, tempDir: string): void {
    const tmp = this.tempPath(path, tempDir)
    registerTempPath(tmp)
    try {
      writeFileSync(tmp, d, { flag: 'wx', mode: 0o644 })
      renameSync(tmp, path)
    } catch (e) {
      rmSync(tmp, { force: true })
      throw e
    } finally {
      unregisterTempPath(tmp)
    }
  }

  /** Whether the output already holds `img` under its tag, with every blob and link in place. */
  holds(img: StoredImage): boolean {
    if (img.tag === undefined || this.fresh) return false
    const repo = repositoryPath(this.root, img.name)
    const image = `registry-storage:${this.root}:${img.name}:${img.tag}`
    try {
      if (readLinkSync(tagCurrentLinkPath(repo, img.tag), image) !== img.top) return false
      for (const m of img.manifests) {
        if (statSync(blobDataPath(this.root, m.digest)).size !== m.size) return false
        if (readLinkSync(revisionLinkPath(repo, m.digest), image) !== m.digest) return false
      }
      for (const b of img.blobs) {
        if (statSync(blobDataPath(this.root, b.digest)).size !== b.size) return false
        if (readLinkSync(layerLinkPath(repo, b.digest), image) !== b.digest) return false
      }
      return true
    } catch {
      return false
    }
  }

  /**
   * Writes `img`'s data files and its `_layers` and revision links; its tag is only recorded:
   * publishTags() writes every tag after all images. In three passes: the folders it needs that
   * do not exist yet (sorted, parents first), the data links, the link files.
   */
  add(img: StoredImage): SelectResult {
    if (this.tagsPublished) throw new SkiffError('ERR_INVALID_ARGUMENT', 'the selected store is already published')
    const r: SelectResult = { bytesLinked: 0, bytesCopied: 0 }
    const repo = repositoryPath(this.root, img.name)
    const up = uploadsPath(repo)
    const data: [StoredBlob, string][] = []
    for (const b of [...img.blobs, ...img.manifests]) {
      if (this.data.has(b.digest)) r.bytesLinked += b.size
      else if (!data.some(([x]) => x.digest === b.digest)) data.push([b, blobDataPath(this.root, b.digest)])
    }
    const links: [string, Digest][] = []
    for (const b of img.blobs) links.push([layerLinkPath(repo, b.digest), b.digest])
    for (const m of img.manifests) links.push([revisionLinkPath(repo, m.digest), m.digest])
    const todo = links.filter(([p]) => !this.links.has(p))
    const made = this.makeDirs(
      this.missingDirs([up, ...data.map(([, t]) => dirname(t)), ...todo.map(([p]) => dirname(p))]),
    )
    this.sweepUploads(repo, made.has(up))
    for (const [b, target] of data) this.putData(b, target, up, r)
    for (const [p, d] of todo) this.putLink(p, d, up)
    if (img.tag !== undefined) this.tags.push({ repo, tag: img.tag, top: img.top })
    return r
  }

  /**
   * One flush, then every recorded tag (its folders, the `index` link, then `current` by temp +
   * rename). No flush after: a tag lost to a power cut before the journal's next commit is simply
   * not there yet (a rename is atomic), never a tag whose blobs or links are missing.
   */
  publishTags(): void {
    if (this.tagsPublished) return
    this.tagsPublished = true
    if (this.durable && this.tags.length > 0) flushFilesystem(this.root)
    for (const { repo, tag, top } of this.tags) {
      const up = uploadsPath(repo)
      const index = tagIndexLinkPath(repo, tag, top)
      const current = tagCurrentLinkPath(repo, tag)
      const made = this.makeDirs(this.missingDirs([dirname(index), dirname(current)]))
      if (!this.links.has(index)) this.putLink(index, top, up)
      const old =
        !made.has(dirname(current)) && statSync(current, { throwIfNoEntry: false })
          ? readFileSync(current, 'utf8')
          : undefined
      if (old !== top) this.replaceLink(current, top, up)
    }
  }
}
