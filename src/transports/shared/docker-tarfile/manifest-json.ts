/**
 * The top-level `manifest.json` of a `docker save` archive: one item per image, naming its config
 * file, its layer files and its tags. Both the legacy layout (`<id>/layer.tar`) and the OCI-style
 * one written by Docker ≥ 25 (`blobs/sha256/<hex>`) use it.
 */
import { ImageNotFoundError, SkiffError } from '../../../errors.js'
import { parseNormalizedReference, type DockerReference } from '../../../reference/docker-reference.js'

export const MANIFEST_JSON = 'manifest.json'
export const REPOSITORIES = 'repositories'

export interface ManifestItem {
  Config: string
  RepoTags: string[] | null
  Layers: string[]
  Parent?: string
  LayerSources?: Record<string, unknown>
}

/** Which image of an archive: by tag, by position (@N), or the only one (neither). */
export interface ImageSelection {
  ref?: DockerReference | undefined
  /** -1 = not chosen by position. */
  index: number
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

export function parseManifestJson(bytes: Buffer, image: string): ManifestItem[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch (e) {
    throw new SkiffError('ERR_INVALID_LAYOUT', `${image}: manifest.json is not valid JSON: ${(e as Error).message}`, {
      image,
      cause: e,
    })
  }
  if (!Array.isArray(parsed))
    throw new SkiffError('ERR_INVALID_LAYOUT', `${image}: manifest.json must hold a JSON array of images`, { image })
  return parsed.map((raw, i) => {
    const it = raw as Partial<ManifestItem> | null
    if (!it || typeof it !== 'object' || typeof it.Config !== 'string' || !isStringArray(it.Layers ?? [])) {
      throw new SkiffError(
        'ERR_INVALID_LAYOUT',
        `${image}: manifest.json item @${i} is malformed (needs "Config" and "Layers")`,
        { image },
      )
    }
    if (it.RepoTags != null && !isStringArray(it.RepoTags)) {
      throw new SkiffError('ERR_INVALID_LAYOUT', `${image}: manifest.json item @${i} has malformed "RepoTags"`, {
        image,
      })
    }
    return { ...it, Config: it.Config, RepoTags: it.RepoTags ?? null, Layers: it.Layers ?? [] }
  })
}

/** Every tag in the archive, as skopeo list-tags shows them: RepoTags as written, "@N" for untagged images. */
export function archiveTagList(items: ManifestItem[]): string[] {
  const out: string[] = []
  items.forEach((it, i) => {
    if (it.RepoTags && it.RepoTags.length > 0) out.push(...it.RepoTags)
    else out.push(`@${i}`)
  })
  return out
}

/** Picks the image `sel` names; with neither tag nor index, the only one (or undefined when several). */
export function chooseManifestItem(
  items: ManifestItem[],
  sel: ImageSelection,
  image: string,
): { item: ManifestItem; index: number } | undefined {
  if (sel.ref) {
    const want = sel.ref.toString()
    for (let i = 0; i < items.length; i++) {
      for (const tag of items[i]!.RepoTags ?? []) {
        let normalized: string
        try {
          normalized = parseNormalizedReference(tag).toString()
        } catch (e) {
          throw new SkiffError(
            'ERR_INVALID_LAYOUT',
            `${image}: invalid tag "${tag}" in manifest.json item @${i}: ${(e as Error).message}`,
            { image, cause: e },
          )
        }
        if (normalized === want) return { item: items[i]!, index: i }
      }
    }
    const have = archiveTagList(items)
    throw new ImageNotFoundError(
      `${image}: no image tagged "${sel.ref.familiarString()}" in the archive (it holds: ${have.join(', ') || 'nothing'})`,
      { image },
    )
  }
  if (sel.index >= 0) {
    if (sel.index >= items.length) {
      throw new ImageNotFoundError(
        `${image}: no image @${sel.index}: the archive holds ${items.length} image(s) (@0…@${items.length - 1})`,
        { image },
      )
    }
    return { item: items[sel.index]!, index: sel.index }
  }
  if (items.length === 0)
    throw new ImageNotFoundError(`${image}: the archive holds no image (manifest.json is empty)`, { image })
  if (items.length === 1) return { item: items[0]!, index: 0 }
  return undefined
}

/** `image` is the reference without a selection (`docker-archive:PATH`). */
export function ambiguousImageError(items: ManifestItem[], image: string): SkiffError {
  return new SkiffError(
    'ERR_INVALID_ARGUMENT',
    `${image}: the archive holds ${items.length} images (${archiveTagList(items).join(', ')}); choose one with ${image}:NAME:TAG or ${image}:@N`,
    { image },
  )
}
