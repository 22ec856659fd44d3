/**
 * What one tagged image of a store consists of, read straight from the tree with synchronous
 * file-system calls (the select and bundle paths handle thousands of small files, where one
 * promise per call costs more than the call): the top manifest, every manifest under it (a list's
 * instances that the store holds) and every blob (configs and layers) with its size and data file.
 *
 * Manifests are read (bounded) and their digests verified; blobs are checked to be regular files
 * of the size their descriptor gives and linked by the repository, as the registry would serve
 * them. Blob contents are not hashed here (a bundle writer hashes while it streams).
 */
import { closeSync, lstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { ImageNotFoundError, SkiffError, isNotFound } from '../../errors.js'
import { isValidDigest, type Digest } from '../../digest/digest.js'
import { manifestDigest, parseManifest, resolveMediaType } from '../../manifest/parse.js'
import { MAX_LINK_FILE_SIZE, MAX_MANIFEST_SIZE, sizeLimitMessage } from '../../util/limits.js'
import { blobDataPath, layerLinkPath, repositoryPath, revisionLinkPath, tagCurrentLinkPath, v2Root } from './layout.js'
import type { StorageSelector } from './types.js'

export interface StoredBlob {
  digest: Digest
  size: number
  /** The regular file holding it (symlinks resolved, inside the store). */
  path: string
}

export interface StoredImage {
  name: string
  /** The tag, when the image was named by one. */
  tag?: string
  top: Digest
  mediaType: string
  /** Top manifest first, then a list's instances (each once). */
  manifests: (StoredBlob & { bytes: Buffer })[]
  /** Configs and layers, each once, in manifest order; foreign layers (urls, not stored) are left out. */
  blobs: StoredBlob[]
  /** Whether the top manifest is a list / index. */
  isList: boolean
}

function damaged(image: string, what: string): SkiffError {
  return new SkiffError('ERR_INVALID_LAYOUT', `${image}: ${what}; the registry storage is incomplete or damaged`, {
    image,
  })
}

/** Read into by readLinkSync (synchronous: never two reads at once). */
const linkBuffer = Buffer.allocUnsafe(MAX_LINK_FILE_SIZE + 1)

/** A link file's digest; undefined when absent. One bounded read: open, read, close. */
export function readLinkSync(path: string, image: string): Digest | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    if (isNotFound(e) || (e as { code?: string }).code === 'ENOTDIR') return undefined
    throw e
  }
  const buf = linkBuffer
  let n: number
  try {
    n = readSync(fd, buf, 0, buf.length, 0)
  } finally {
    closeSync(fd)
  }
  if (n > MAX_LINK_FILE_SIZE) throw damaged(image, `the link file ${path} is larger than ${MAX_LINK_FILE_SIZE} bytes`)
  const text = buf.toString('utf8', 0, n)
  if (!isValidDigest(text)) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
    throw damaged(image, `the link file ${path} holds ${JSON.stringify(shown)}, not a digest (sha256:<64 hex>)`)
  }
  return text
}

/**
 * The data file of `d` as a regular file inside `root` (a symlink is resolved and must stay in the
 * store); undefined when absent.
 */
function dataFile(root: string, d: Digest, image: string): { path: string; size: number } | undefined {
  let path = blobDataPath(root, d)
  let st
  try {
    st = lstatSync(path, { throwIfNoEntry: false })
    if (st === undefined) return undefined
    if (st.isSymbolicLink()) {
      const real = realpathSync(path)
      const rel = relative(realpathSync(root), real)
      if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..')
        throw new SkiffError('ERR_UNSAFE_PATH', `${image}: ${path} is a symbolic link that leaves the store`, { image })
      path = real
      st = statSync(path)
    }
  } catch (e) {
    if (isNotFound(e)) return undefined
    throw e
  }
  if (!st.isFile()) throw damaged(image, `${path} is not a regular file`)
  return { path, size: st.size }
}

/**
 * Resolves `name` + `sel` in the store at `root` (which must exist). Throws ImageNotFoundError when
 * the store lacks the repository, tag or manifest, ERR_INVALID_LAYOUT when what it names is damaged.
 */
export function resolveStoredImage(root: string, name: string, sel: StorageSelector, image: string): StoredImage {
  const repo = repositoryPath(root, name)
  let top: Digest | undefined
  if (sel.digest !== undefined) {
    if (readLinkSync(revisionLinkPath(repo, sel.digest), image) === undefined)
      throw new ImageNotFoundError(`${image}: repository "${name}" has no manifest ${sel.digest}`, { image })
    top = sel.digest
  } else {
    top = readLinkSync(tagCurrentLinkPath(repo, sel.tag), image)
    if (top === undefined) {
      let what = `the store has no repository "${name}"`
      try {
        if (statSync(repo).isDirectory()) what = `repository "${name}" has no tag "${sel.tag}"`
      } catch {
        try {
          statSync(v2Root(root))
        } catch {
          what = `no registry storage at ${root} (${v2Root(root)} does not exist)`
        }
      }
      throw new ImageNotFoundError(`${image}: ${what}`, { image })
    }
  }
  const manifests: StoredImage['manifests'] = []
  const blobs: StoredBlob[] = []
  const seen = new Set<Digest>()
  const readManifest = (d: Digest): { bytes: Buffer; path: string; mediaType: string } | undefined => {
    const f = dataFile(root, d, image)
    if (f === undefined) return undefined
    if (f.size > MAX_MANIFEST_SIZE)
      throw new SkiffError(
        'ERR_MANIFEST_INVALID',
        `${image}: reading manifest ${d}: ${sizeLimitMessage(MAX_MANIFEST_SIZE)}`,
        {
          image,
        },
      )
    const bytes = readFileSync(f.path)
    const mediaType = resolveMediaType(bytes, undefined)
    if (manifestDigest(bytes, mediaType) !== d)
      throw damaged(image, `manifest ${d} (${f.path}) does not match its digest`)
    return { bytes, path: f.path, mediaType }
  }
  const addBlob = (d: Digest, size: number, urls: readonly string[] | undefined): void => {
    if (seen.has(d)) return
    const f = dataFile(root, d, image)
    if (f === undefined) {
      if (urls?.length) return // a foreign layer: referenced, never stored
      throw damaged(image, `blob ${d} is referenced by the manifest but ${blobDataPath(root, d)} does not exist`)
    }
    if (size >= 0 && f.size !== size)
      throw damaged(image, `blob ${d} is ${f.size} bytes in the store, the manifest says ${size}`)
    if (readLinkSync(layerLinkPath(repo, d), image) !== d)
      throw damaged(image, `blob ${d} is not linked to repository "${name}" (no _layers link)`)
    seen.add(d)
    blobs.push({ digest: d, size: f.size, path: f.path })
  }
  let isList = false
  const walk = (d: Digest, depth: number): string => {
    const m = readManifest(d)
    if (m === undefined) {
      if (depth === 0) throw damaged(image, `manifest ${d} is linked but ${blobDataPath(root, d)} does not exist`)
      return ''
    }
    seen.add(d)
    manifests.push({ digest: d, size: m.bytes.length, path: m.path, bytes: m.bytes })
    const mediaType = m.mediaType
    const parsed = parseManifest(m.bytes, mediaType, image)
    if (parsed.kind === 'image') {
      addBlob(parsed.config.digest, parsed.config.size, undefined)
      for (const l of parsed.layers) addBlob(l.digest, l.size, l.urls)
    } else if (parsed.kind === 'schema1') {
      for (const l of parsed.fsLayers) addBlob(l.blobSum, -1, undefined)
    } else if (depth === 0) {
      isList = true
      for (const e of parsed.manifests) {
        // the instances the store holds (an index-only copy holds none): as the registry serves them
        if (seen.has(e.digest) || readLinkSync(revisionLinkPath(repo, e.digest), image) === undefined) continue
        walk(e.digest, 1)
      }
    }
    return mediaType
  }
  const mediaType = walk(top, 0)
  return {
    name,
    ...(sel.tag !== undefined ? { tag: sel.tag } : {}),
    top,
    mediaType,
    manifests,
    blobs,
    isList,
  }
}
