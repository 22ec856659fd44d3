/**
 * The image-list file (`--src list`): one image per line — `repo:tag`, `repo@digest`, or a full
 * reference with its own registry; `#` starts a comment; blank lines are ignored; duplicates are
 * collapsed (first one wins). Lines without a registry are read from --src-registry (docker.io by
 * default). The destination keeps the repository path as written (`kubesphere/kube-apiserver`).
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SkiffError, opt, withOptions } from '../errors.js'
import { DEFAULT_TAG, parseNormalizedReference, type DockerReference } from '../reference/docker-reference.js'

export interface ListEntry {
  /** 1-based line number in the file. */
  line: number
  /** The normalized source reference (tag or digest, never both). */
  source: DockerReference
  /** The repository path as written, without the registry, plus `:tag` or `@digest`. */
  written: string
}

/** Whether the first path element names a registry (distribution's rule: has `.` or `:`, or is localhost). */
function isRegistry(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost'
}

export function parseImageList(text: string, file: string, defaultRegistry = 'docker.io'): ListEntry[] {
  const out: ListEntry[] = []
  const seen = new Set<string>()
  const registry = defaultRegistry.replace(/\/+$/, '')
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i]!.indexOf('#')
    const s = (hash < 0 ? lines[i]! : lines[i]!.slice(0, hash)).trim()
    if (s === '') continue
    const where = `${file}:${i + 1}`
    if (/\s/.test(s))
      throw new SkiffError(
        'ERR_INVALID_ARGUMENT',
        `${where}: "${s}" is not one image reference (one image per line: repo:tag, repo@digest or host/repo:tag)`,
      )
    const slash = s.indexOf('/')
    const explicit = slash > 0 && isRegistry(s.slice(0, slash))
    const written = explicit ? s.slice(slash + 1) : s
    let ref: DockerReference
    try {
      ref = parseNormalizedReference(explicit ? s : `${registry}/${s}`)
    } catch (e) {
      throw new SkiffError(
        'ERR_INVALID_REFERENCE',
        `${where}: invalid image reference "${s}": ${(e as Error).message}`,
        { cause: e },
      )
    }
    if (ref.tag !== undefined && ref.digest !== undefined) {
      throw new SkiffError(
        'ERR_INVALID_REFERENCE',
        `${where}: "${s}" has both a tag and a digest; write either :${ref.tag} or @${ref.digest}`,
      )
    }
    const tagged = ref.isNameOnly() ? ref.withTag(DEFAULT_TAG) : ref
    const writtenFull = ref.isNameOnly() ? `${written}:${DEFAULT_TAG}` : written
    const key = `${tagged.toString()} ${writtenFull}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ line: i + 1, source: tagged, written: writtenFull })
  }
  return out
}

/** One image named by an --images-from list: its repository path as written (no registry host) and tag or digest. */
export interface SelectedImage {
  name: string
  tag?: string
  digest?: string
  /** `file:line`, for messages. */
  where: string
}

/** Splits a list entry's `written` (`path:tag` or `path@digest`) into its parts. */
export function splitWritten(written: string): { name: string; tag?: string; digest?: string } {
  const at = written.indexOf('@')
  if (at >= 0) return { name: written.slice(0, at), digest: written.slice(at + 1) }
  const colon = written.lastIndexOf(':')
  return { name: written.slice(0, colon), tag: written.slice(colon + 1) }
}

async function listFilesBelow(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await listFilesBelow(p)))
    else if (e.name.endsWith('.list')) out.push(p)
  }
  return out
}

/**
 * `--images-from LIST`: the images an image-list file names — or, when LIST is a folder, every
 * `*.list` file below it (sorted, as the seed's select script finds them) — as repository paths
 * (the registry host, if a line has one, dropped) with a tag or digest; duplicates collapsed.
 */
export async function readImagesFrom(path: string): Promise<SelectedImage[]> {
  let files: string[]
  try {
    files = (await stat(path)).isDirectory() ? await listFilesBelow(path) : [path]
  } catch (e) {
    throw new SkiffError(
      'ERR_IMAGE_NOT_FOUND',
      withOptions`cannot read the image list ${path} (${opt('imagesFrom')}): ${(e as Error).message}`,
      { cause: e },
    )
  }
  if (files.length === 0)
    throw new SkiffError(
      'ERR_IMAGE_NOT_FOUND',
      withOptions`${opt('imagesFrom')} ${path}: the folder holds no *.list files`,
    )
  const out: SelectedImage[] = []
  const seen = new Set<string>()
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (e) {
      throw new SkiffError(
        'ERR_IMAGE_NOT_FOUND',
        withOptions`cannot read the image list ${file} (${opt('imagesFrom')}): ${(e as Error).message}`,
        { cause: e },
      )
    }
    for (const entry of parseImageList(text, file)) {
      if (seen.has(entry.written)) continue
      seen.add(entry.written)
      out.push({ ...splitWritten(entry.written), where: `${file}:${entry.line}` })
    }
  }
  return out
}
