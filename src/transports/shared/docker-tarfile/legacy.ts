/**
 * The legacy (pre-manifest.json) metadata `docker save` archives carry and containers/image writes:
 * one `<id>/` folder per layer with `layer.tar` (a symlink to the real file), `VERSION` and `json`.
 * IDs are computed exactly as containers/image does, so skiff's archives match skopeo's.
 */
import { digestOf, digestHex, type Digest } from '../../../digest/digest.js'
import { goCompact, goMarshalMap, rawObjectMembers, type GoValue } from '../../../go/raw-json.js'

export const LEGACY_LAYER_FILE = 'layer.tar'
export const LEGACY_CONFIG_FILE = 'json'
export const LEGACY_VERSION_FILE = 'VERSION'
export const LEGACY_VERSION = '1.0'

/** Attributes of the image config copied into the top layer's legacy json. */
const TOP_LAYER_ATTRS = [
  'architecture',
  'config',
  'container',
  'container_config',
  'created',
  'docker_version',
  'os',
] as const

export interface LegacyLayer {
  id: string
  /** The `<id>/json` contents. */
  json: Buffer
  /** The physical layer file the `<id>/layer.tar` symlink points to. */
  layerFile: string
}

/** Where a layer with this digest is stored: `<hex>.tar` in the archive root. */
export function physicalLayerPath(d: Digest): string {
  return `${digestHex(d)}.tar`
}

/** Where a config with this digest is stored: `<hex>.json`. */
export function configPath(d: Digest): string {
  return `${digestHex(d)}.json`
}

export function legacyLayers(layerDigests: Digest[], config: Buffer): LegacyLayer[] {
  const out: LegacyLayer[] = []
  let chainID: Digest | undefined
  let parent = ''
  let topAttrs: Record<string, GoValue> | undefined
  layerDigests.forEach((d, i) => {
    const layerConfig: Record<string, GoValue> = {}
    if (parent !== '') layerConfig['parent'] = parent
    if (i === layerDigests.length - 1) {
      topAttrs ??= topLayerAttrs(config)
      Object.assign(layerConfig, topAttrs)
    }
    chainID = chainID === undefined ? d : digestOf(`${chainID} ${d}`)
    const id = digestHex(digestOf(goMarshalMap({ ...layerConfig, layer_id: chainID })))
    layerConfig['id'] = id
    out.push({ id, json: Buffer.from(goMarshalMap(layerConfig)), layerFile: physicalLayerPath(d) })
    parent = id
  })
  return out
}

function topLayerAttrs(config: Buffer): Record<string, GoValue> {
  const members = rawObjectMembers(config.toString('utf8'))
  const attrs: Record<string, GoValue> = {}
  for (const a of TOP_LAYER_ATTRS) {
    const raw = members.get(a)
    attrs[a] = { raw: raw === undefined ? 'null' : goCompact(raw) }
  }
  return attrs
}
