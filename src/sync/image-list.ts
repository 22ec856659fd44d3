/**
 * The image-list file (`--src list`): one image per line — `repo:tag`, `repo@digest`, or a full
 * reference with its own registry; `#` starts a comment; blank lines are ignored; duplicates are
 * collapsed (first one wins). Lines without a registry are read from --src-registry (docker.io by
 * default). The destination keeps the repository path as written (`kubesphere/kube-apiserver`).
 */
import { SkiffError } from '../errors.js'
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
    if (/\s/.test(s)) throw new SkiffError('ERR_INVALID_ARGUMENT', `${where}: "${s}" is not one image reference (one image per line: repo:tag, repo@digest or host/repo:tag)`)
    const slash = s.indexOf('/')
    const explicit = slash > 0 && isRegistry(s.slice(0, slash))
    const written = explicit ? s.slice(slash + 1) : s
    let ref: DockerReference
    try {
      ref = parseNormalizedReference(explicit ? s : `${registry}/${s}`)
    } catch (e) {
      throw new SkiffError('ERR_INVALID_REFERENCE', `${where}: invalid image reference "${s}": ${(e as Error).message}`, { cause: e })
    }
    if (ref.tag !== undefined && ref.digest !== undefined) {
      throw new SkiffError('ERR_INVALID_REFERENCE', `${where}: "${s}" has both a tag and a digest; write either :${ref.tag} or @${ref.digest}`)
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
