/**
 * Reading a release bundle without unpacking it: one pass over the tar headers (tar-index.ts, as
 * the docker-archive reader does) gives every entry's offset and size; blobs are then read by
 * offset. A gzip or zstd bundle cannot be read at an offset, so, as containers/image does for
 * compressed `docker save` archives, it is decompressed once into a temp file under --tmpdir
 * (removed at exit, also after Ctrl-C; a killed run's file is swept by the next run) and read from
 * there. An opened bundle is kept for the process (a sync opens it once for all its images).
 *
 * A bundle must be complete: the tar's end-of-archive marker, and `images.txt` and `SHA256SUMS`
 * (written last) present; otherwise it is refused as truncated.
 */
import { open, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { SkiffError } from '../../errors.js'
import { isValidDigest, type Digest } from '../../digest/digest.js'
import { MAX_LINK_FILE_SIZE } from '../../util/limits.js'
import { prepareArchiveFile } from '../shared/docker-tarfile/archive-file.js'
import { scanTar, type TarEntry, type TarIndex } from '../shared/docker-tarfile/tar-index.js'
import { isValidRepositoryPath, isValidTag } from '../../reference/docker-reference.js'
import { IMAGES_FILE, SUMS_FILE, bundlePath } from './writer.js'

export interface Bundle {
  /** The path the user named. */
  readonly path: string
  /** The uncompressed tar read by offset (a temp file for a compressed bundle). */
  readonly file: string
  readonly compressed: boolean
  readonly index: TarIndex
  /** repository → tag → manifest digest (from each tag's `current/link`). */
  readonly tags: ReadonlyMap<string, ReadonlyMap<string, Digest>>
}

const REPOS = 'docker/registry/v2/repositories/'
const CURRENT = /^docker\/registry\/v2\/repositories\/(.+)\/_manifests\/tags\/([^/]+)\/current\/link$/

function refused(image: string, path: string, why: string, cause?: unknown): SkiffError {
  const who = image === path ? path : `${image}: ${path}`
  return new SkiffError('ERR_INVALID_LAYOUT', `${who} is not a complete release bundle: ${why}`, {
    image,
    cause,
  })
}

/** Reads entry `e` (at most `limit` bytes) from the bundle's tar. */
export async function readEntry(b: Bundle, e: TarEntry, limit: number, image: string): Promise<Buffer> {
  if (e.size > limit) throw refused(image, b.path, `${e.name} is ${e.size} bytes, more than the ${limit} expected`)
  const fh = await open(b.file, 'r')
  try {
    const buf = Buffer.alloc(e.size)
    const { bytesRead } = await fh.read(buf, 0, e.size, e.offset)
    if (bytesRead !== e.size) throw refused(image, b.path, `${e.name} is cut short (truncated)`)
    return buf
  } finally {
    await fh.close()
  }
}

/** A link entry's digest; undefined when the bundle has no such entry. */
export async function readLinkEntry(b: Bundle, name: string, image: string): Promise<Digest | undefined> {
  const e = b.index.resolve(name)
  if (e === undefined) return undefined
  const text = (await readEntry(b, e, MAX_LINK_FILE_SIZE, image)).toString('utf8')
  if (!isValidDigest(text))
    throw refused(image, b.path, `the link ${name} holds ${JSON.stringify(text.slice(0, 80))}, not a digest`)
  return text
}

async function load(path: string, opts: { tmpdir?: string | undefined; image: string }): Promise<Bundle> {
  const local = await prepareArchiveFile(path, { tmpdir: opts.tmpdir, image: opts.image })
  let index: TarIndex
  try {
    index = await scanTar(local.path)
  } catch (e) {
    await local.cleanup()
    throw refused(opts.image, path, `${(e as Error).message.replace(`${local.path}: `, '')}`, e)
  }
  const partial = (why: string): never => {
    void local.cleanup()
    throw refused(opts.image, path, why)
  }
  if (!index.complete) partial('the tar has no end-of-archive marker (the file is truncated)')
  if (!index.names().some((n) => n.startsWith(REPOS))) partial('it holds no docker/registry/v2 store')
  for (const f of [IMAGES_FILE, SUMS_FILE])
    if (index.lookup(f) === undefined) partial(`${f}, written last, is missing (the file is truncated)`)
  const b = { path, file: local.path, compressed: local.temp, index, tags: new Map<string, Map<string, Digest>>() }
  for (const name of index.names()) {
    const m = CURRENT.exec(name)
    if (!m || !isValidRepositoryPath(m[1]!) || !isValidTag(m[2]!)) continue
    const d = await readLinkEntry(b, name, opts.image)
    if (d === undefined) continue
    let repo = b.tags.get(m[1]!)
    if (!repo) b.tags.set(m[1]!, (repo = new Map()))
    repo.set(m[2]!, d)
  }
  return b
}

const opened = new Map<string, { key: string; bundle: Promise<Bundle> }>()

/**
 * Opens the bundle at `path` (once per process while the file is unchanged). Refuses a file that is
 * not a tar, is truncated, or holds no store, with one line naming it.
 */
export async function openBundle(path: string, opts: { tmpdir?: string | undefined; image: string }): Promise<Bundle> {
  const abs = resolve(path)
  let key = ''
  try {
    const st = await stat(abs)
    key = `${st.size}:${st.mtimeMs}:${st.ino}`
  } catch {
    // prepareArchiveFile says what is wrong with the path
  }
  const hit = opened.get(abs)
  if (hit && key !== '' && hit.key === key) return hit.bundle
  const bundle = load(path, opts)
  opened.set(abs, { key, bundle })
  bundle.catch(() => opened.delete(abs))
  return bundle
}

/** The data entry of blob `d`, if the bundle holds it. */
export function dataEntry(b: Bundle, d: Digest): TarEntry | undefined {
  return b.index.resolve(bundlePath.data(d))
}

/** Every (repository, tag) of the bundle, sorted. */
export function bundleImages(b: Bundle): { name: string; tag: string; digest: Digest }[] {
  const out: { name: string; tag: string; digest: Digest }[] = []
  for (const name of [...b.tags.keys()].sort())
    for (const [tag, digest] of [...b.tags.get(name)!.entries()].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)))
      out.push({ name, tag, digest })
  return out
}
