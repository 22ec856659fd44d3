/**
 * docker/distribution 2.8's filesystem storage layout, under the registry's `rootdirectory`:
 *
 *   docker/registry/v2/blobs/<alg>/<hex[0:2]>/<hex>/data                 content, by digest
 *   docker/registry/v2/repositories/<name>/_layers/<alg>/<hex>/link      blobs the repository may serve
 *   docker/registry/v2/repositories/<name>/_manifests/revisions/<alg>/<hex>/link   its manifests
 *   docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link      tag → manifest
 *   docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/index/<alg>/<hex>/link  tag history
 *   docker/registry/v2/repositories/<name>/_uploads/                     upload staging
 *
 * A link file holds `<alg>:<hex>` with no newline. (distribution's storage/paths.go.)
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SkiffError, isNotFound } from '../../errors.js'
import { isValidDigest, parseDigest, type Digest } from '../../digest/digest.js'
import { writeFileAtomic } from '../../util/atomic.js'
import { realPathInside } from '../dir/local-path.js'
import { MAX_LINK_FILE_SIZE, readFileAtMost, sizeLimitError } from '../../util/limits.js'

/** `ROOT/docker/registry/v2`. */
export function v2Root(root: string): string {
  return join(root, 'docker', 'registry', 'v2')
}

export function blobsRoot(root: string): string {
  return join(v2Root(root), 'blobs')
}

export function repositoriesRoot(root: string): string {
  return join(v2Root(root), 'repositories')
}

/** `blobs/<alg>/<hex[0:2]>/<hex>/data` (validates the digest, so no `..` can sneak in). */
export function blobDataPath(root: string, d: Digest): string {
  const { algorithm, hex } = parseDigest(d)
  return join(blobsRoot(root), algorithm, hex.slice(0, 2), hex, 'data')
}

export function repositoryPath(root: string, name: string): string {
  return join(repositoriesRoot(root), ...name.split('/'))
}

function digestDir(d: Digest): string[] {
  const { algorithm, hex } = parseDigest(d)
  return [algorithm, hex]
}

export function layerLinkPath(repo: string, d: Digest): string {
  return join(repo, '_layers', ...digestDir(d), 'link')
}

export function revisionLinkPath(repo: string, d: Digest): string {
  return join(repo, '_manifests', 'revisions', ...digestDir(d), 'link')
}

export function tagsPath(repo: string): string {
  return join(repo, '_manifests', 'tags')
}

export function tagCurrentLinkPath(repo: string, tag: string): string {
  return join(tagsPath(repo), tag, 'current', 'link')
}

export function tagIndexLinkPath(repo: string, tag: string, d: Digest): string {
  return join(tagsPath(repo), tag, 'index', ...digestDir(d), 'link')
}

export function uploadsPath(repo: string): string {
  return join(repo, '_uploads')
}

/**
 * Reads a link file, resolving symlinks only inside the store. undefined when it does not exist;
 * content that is not a digest is a clear ERR_INVALID_LAYOUT naming the file.
 */
export async function readLink(root: string, path: string, image: string): Promise<Digest | undefined> {
  let text: string
  try {
    text = (
      await readFileAtMost(await realPathInside(root, path, image), MAX_LINK_FILE_SIZE, () =>
        sizeLimitError(`${image}: reading link file ${path}`, MAX_LINK_FILE_SIZE, 'ERR_INVALID_LAYOUT', image),
      )
    ).toString('utf8')
  } catch (e) {
    if (isNotFound(e)) return undefined
    throw e
  }
  if (!isValidDigest(text)) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
    throw new SkiffError(
      'ERR_INVALID_LAYOUT',
      `${image}: the link file ${path} holds ${JSON.stringify(shown)}, not a digest (sha256:<64 hex>); the registry storage is damaged`,
      { image },
    )
  }
  return text
}

/** Reads a link that must name `expected` (a `_layers` or `revisions` link, found by that digest). */
export async function readLinkTo(root: string, path: string, expected: Digest, image: string): Promise<boolean> {
  const d = await readLink(root, path, image)
  if (d === undefined) return false
  if (d !== expected) {
    throw new SkiffError(
      'ERR_INVALID_LAYOUT',
      `${image}: the link file ${path} names ${d}, expected ${expected}; the registry storage is damaged`,
      { image },
    )
  }
  return true
}

/**
 * Writes a link (`alg:hex`, no newline) atomically, unless it already holds exactly that. The temp
 * file goes to `tempDir` (same filesystem) when given, so a killed run's leftovers are in one place.
 */
export async function writeLink(path: string, d: Digest, tempDir?: string): Promise<void> {
  try {
    if ((await readFile(path, 'utf8')) === d) return
  } catch (e) {
    if (!isNotFound(e)) throw e
  }
  await writeFileAtomic(path, d, 0o644, tempDir)
}

/** Whether `path` is a regular file (of `size`, when size ≥ 0). */
export async function isFileOfSize(path: string, size: number): Promise<number | undefined> {
  try {
    const st = await stat(path)
    if (!st.isFile() || (size >= 0 && st.size !== size)) return undefined
    return st.size
  } catch {
    return undefined
  }
}
