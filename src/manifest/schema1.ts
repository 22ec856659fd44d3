/**
 * Docker schema1 → schema2/OCI: the layer list (oldest first, empty layers dropped) and a config
 * synthesized from the v1Compatibility history, as containers/image's ToSchema2Config does.
 */
import { SkiffError } from '../errors.js'
import { goMarshal } from '../go/json.js'
import { goMap } from '../go/values.js'
import type { Schema1Manifest } from './types.js'

export interface Schema1Layer {
  digest: string
  /** A "throwaway" history entry: no filesystem change; dropped when converting. */
  empty: boolean
}

interface V1Compat {
  created?: string
  author?: string
  comment?: string
  throwaway?: boolean
  container_config?: { Cmd?: string[] | null }
  architecture?: string
  os?: string
  [k: string]: unknown
}

function parseCompat(s: string, i: number): V1Compat {
  try {
    return JSON.parse(s) as V1Compat
  } catch {
    throw new SkiffError('ERR_MANIFEST_INVALID', `invalid schema1 manifest: history[${i}].v1Compatibility is not JSON`)
  }
}

/** Layers oldest first, each marked empty when its history entry is a throwaway. */
export function schema1Layers(m: Schema1Manifest): Schema1Layer[] {
  const out: Schema1Layer[] = []
  for (let i = m.fsLayers.length - 1; i >= 0; i--) {
    const compat = parseCompat(m.history[i]!.v1Compatibility, i)
    out.push({ digest: m.fsLayers[i]!.blobSum, empty: compat.throwaway === true })
  }
  return out
}

/** The schema1 image's top-level v1Compatibility (config-like fields), for inspect. */
export function schema1TopCompat(m: Schema1Manifest): V1Compat {
  return parseCompat(m.history[0]!.v1Compatibility, 0)
}

/** Builds the schema2 config for a schema1 image, given the DiffIDs of its non-empty layers (oldest first). */
export function schema1ToConfig(m: Schema1Manifest, diffIDs: string[]): Buffer {
  const raw = schema1TopCompat(m)
  const history = []
  for (let i = m.history.length - 1; i >= 0; i--) {
    const c = parseCompat(m.history[i]!.v1Compatibility, i)
    const h: Record<string, unknown> = { created: c.created ?? '0001-01-01T00:00:00Z' }
    if (c.author) h.author = c.author
    const createdBy = (c.container_config?.Cmd ?? []).join(' ')
    if (createdBy) h.created_by = createdBy
    if (c.comment) h.comment = c.comment
    if (c.throwaway) h.empty_layer = true
    history.push(h)
  }
  const out: Record<string, unknown> = { ...raw }
  for (const k of ['id', 'parent', 'parent_id', 'layer_id', 'throwaway', 'Size']) delete out[k]
  // Schema2RootFS's diff_ids is omitempty: an image of throwaway layers only has none
  out.rootfs = diffIDs.length ? { type: 'layers', diff_ids: diffIDs } : { type: 'layers' }
  out.history = history
  return Buffer.from(goMarshal(goMap(out)))
}
