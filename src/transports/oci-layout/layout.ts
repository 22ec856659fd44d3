/**
 * OCI image-layout 1.0 on disk: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`; the ref-name
 * grammar of the image-spec; reading index.json and adding entries as containers/image does.
 */
import { join } from 'node:path'
import { ImageNotFoundError, SkiffError, isNotFound } from '../../errors.js'
import { isValidDigest, parseDigest, type Digest } from '../../digest/digest.js'
import { MT } from '../../manifest/media-types.js'
import { realPathInside } from '../dir/local-path.js'
import { MAX_INDEX_SIZE, readFileAtMost, sizeLimitError } from '../../util/limits.js'

export const OCI_LAYOUT_FILE = 'oci-layout'
export const OCI_LAYOUT_CONTENT = JSON.stringify({ imageLayoutVersion: '1.0.0' })
export const INDEX_FILE = 'index.json'
export const LOCK_FILE = '.index.json.lock'
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name'

/**
 * image-spec annotations.md: ref ::= component ("/" component)*; component ::= alphanum
 * (separator alphanum)*; alphanum ::= [A-Za-z0-9]+; separator ::= [-._:@+] | "--".
 */
const COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*'
const REF_NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`)

export function isValidRefName(s: string): boolean {
  return REF_NAME_RE.test(s)
}

export interface OciDescriptor {
  mediaType: string
  digest: Digest
  size: number
  annotations?: Record<string, string>
  [k: string]: unknown
}

export interface OciIndex {
  schemaVersion: number
  mediaType?: string
  manifests: OciDescriptor[]
  [k: string]: unknown
}

export function emptyIndex(): OciIndex {
  return { schemaVersion: 2, mediaType: MT.OCI_INDEX, manifests: [] }
}

/** Where a blob lives: `<sharedBlobDir>/<alg>/<hex>` or `<layout>/blobs/<alg>/<hex>`. */
export function blobPath(blobRoot: string, d: Digest): string {
  const { algorithm, hex } = parseDigest(d)
  return join(blobRoot, algorithm, hex)
}

/** The folder that holds `<alg>/<hex>` blobs. */
export function blobRootOf(layout: string, sharedBlobDir: string | undefined): string {
  return sharedBlobDir ?? join(layout, 'blobs')
}

function invalidLayout(image: string, detail: string): SkiffError {
  return new SkiffError('ERR_INVALID_LAYOUT', `${image}: invalid OCI layout: ${detail}`, { image })
}

export function parseIndex(bytes: Buffer, image: string): OciIndex {
  let v: unknown
  try {
    v = JSON.parse(bytes.toString('utf8'))
  } catch (e) {
    throw invalidLayout(image, `index.json is not JSON (${(e as Error).message})`)
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidLayout(image, 'index.json is not a JSON object')
  const idx = v as Record<string, unknown>
  if (idx.schemaVersion !== 2)
    throw invalidLayout(image, `index.json has schemaVersion ${JSON.stringify(idx.schemaVersion)}, expected 2`)
  if (idx.manifests === undefined || idx.manifests === null) idx.manifests = []
  if (!Array.isArray(idx.manifests)) throw invalidLayout(image, 'index.json "manifests" is not an array')
  for (const [i, d] of (idx.manifests as unknown[]).entries()) {
    const desc = d as Record<string, unknown> | null
    if (
      !desc ||
      typeof desc !== 'object' ||
      typeof desc.digest !== 'string' ||
      !isValidDigest(desc.digest) ||
      typeof desc.size !== 'number'
    ) {
      throw invalidLayout(image, `index.json entry ${i} is not a valid descriptor`)
    }
  }
  return idx as OciIndex
}

/**
 * Reads index.json. A missing layout or index is ImageNotFound when `missingOk` is false,
 * an empty index otherwise.
 */
export async function readIndex(layout: string, image: string, missingOk: boolean): Promise<OciIndex> {
  let bytes: Buffer
  try {
    bytes = await readFileAtMost(await realPathInside(layout, join(layout, INDEX_FILE), image), MAX_INDEX_SIZE, () =>
      sizeLimitError(`${image}: reading ${join(layout, INDEX_FILE)}`, MAX_INDEX_SIZE, 'ERR_INVALID_LAYOUT', image),
    )
  } catch (e) {
    if (isNotFound(e)) {
      if (missingOk) return emptyIndex()
      throw new ImageNotFoundError(`${image}: no OCI layout there (${join(layout, INDEX_FILE)} does not exist)`, {
        image,
        cause: e,
      })
    }
    throw e
  }
  return parseIndex(bytes, image)
}

export function refNameOf(d: OciDescriptor): string | undefined {
  return d.annotations?.[REF_NAME_ANNOTATION]
}

/**
 * Adds `desc` to the index as containers/image does: an older entry with the same ref name loses
 * that name; an unnamed entry with the same digest is replaced; otherwise the entry is appended.
 */
export function addIndexEntry(index: OciIndex, desc: OciDescriptor): void {
  const name = refNameOf(desc)
  if (name) {
    for (const m of index.manifests) {
      if (refNameOf(m) === name) {
        const { [REF_NAME_ANNOTATION]: _dropped, ...rest } = m.annotations!
        if (Object.keys(rest).length) m.annotations = rest
        else delete m.annotations
        break
      }
    }
  }
  const same = index.manifests.findIndex((m) => m.digest === desc.digest && !refNameOf(m))
  if (same >= 0) index.manifests[same] = desc
  else index.manifests.push(desc)
}
