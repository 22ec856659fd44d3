/**
 * types.ImageInspectInfo as containers/image computes it per manifest type (OCI, Docker schema2,
 * schema1), and skopeo's `inspect` output object built from it.
 */
import { SkiffError } from '../errors.js'
import { MT } from '../manifest/media-types.js'
import type { ImageManifest, Schema1Manifest } from '../manifest/types.js'
import { type GoNil, GoTime, NIL_MAP, NIL_PTR, NIL_SLICE, goMap, goStruct } from '../go/values.js'
import { goUnmarshal } from './go-decode.js'
import { ociImage, schema2V1Image } from './config-types.js'

export interface InspectLayer {
  MIMEType: string
  Digest: string
  Size: number
  Annotations: unknown
}

/** containers/image types.ImageInspectInfo (the fields skopeo uses). */
export interface ImageInspectInfo {
  Tag: string
  Created: GoTime | typeof NIL_PTR
  DockerVersion: string
  Labels: unknown
  Architecture: string
  Variant: string
  Os: string
  Layers: string[]
  LayersData: InspectLayer[]
  Env: unknown
}

function layerData(
  layers: Array<{ digest: string; size: number; mediaType?: string; annotations?: Record<string, string> }>,
): InspectLayer[] {
  return layers.map((l) =>
    goStruct(
      {
        MIMEType: l.mediaType ?? '',
        Digest: l.digest,
        Size: l.size,
        Annotations: l.annotations ? goMap(l.annotations) : NIL_MAP,
      },
      { typeName: 'types.ImageInspectLayer', types: { Digest: 'digest.Digest' } },
    ),
  )
}

type Obj = Record<string, unknown>

/** The error containers/image gives for OCI artifacts whose config is not an image config. */
export function checkNotArtifact(m: ImageManifest, what: string): void {
  if (m.mediaType === MT.OCI_MANIFEST && m.config.mediaType !== MT.OCI_CONFIG) {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${what}: unsupported image-specific operation on artifact with type ${JSON.stringify(m.config.mediaType ?? '')}`,
    )
  }
}

/** Inspect info of an OCI or Docker schema2 image from its config bytes. */
export function imageInspectInfo(m: ImageManifest, config: Buffer, what: string): ImageInspectInfo {
  const layers = m.layers.map((l) => l.digest)
  if (m.mediaType === MT.OCI_MANIFEST) {
    checkNotArtifact(m, what)
    const v1 = goUnmarshal(config, ociImage, `config of ${what}`)
    const d1 = goUnmarshal(config, schema2V1Image, `config of ${what}`)
    const cfg = v1.Config as Obj
    return {
      Tag: '',
      Created: v1.Created as GoTime,
      DockerVersion: d1.DockerVersion as string,
      Labels: cfg.Labels,
      Architecture: v1.Architecture as string,
      Variant: v1.Variant as string,
      Os: v1.OS as string,
      Layers: layers,
      LayersData: layerData(m.layers),
      Env: cfg.Env,
    }
  }
  const s2 = goUnmarshal(config, schema2V1Image, `config of ${what}`)
  return fromSchema2V1(s2, '', layers, layerData(m.layers))
}

function fromSchema2V1(s: Obj, tag: string, layers: string[], data: InspectLayer[]): ImageInspectInfo {
  const cfg = s.Config
  const hasCfg = cfg !== NIL_PTR && typeof cfg === 'object'
  return {
    Tag: tag,
    Created: s.Created as GoTime,
    DockerVersion: s.DockerVersion as string,
    Labels: hasCfg ? (cfg as Obj).Labels : NIL_MAP,
    Architecture: s.Architecture as string,
    Variant: s.Variant as string,
    Os: s.OS as string,
    Layers: layers,
    LayersData: data,
    Env: hasCfg ? (cfg as Obj).Env : NIL_SLICE,
  }
}

/** Inspect info of a schema1 image: from history[0].v1Compatibility; layers oldest first, sizes unknown. */
export function schema1InspectInfo(m: Schema1Manifest, what: string): ImageInspectInfo {
  const s1 = goUnmarshal(Buffer.from(m.history[0]!.v1Compatibility), schema2V1Image, `schema1 history of ${what}`)
  const fs = [...m.fsLayers].reverse()
  return fromSchema2V1(
    s1,
    m.tag,
    fs.map((l) => l.blobSum),
    layerData(fs.map((l) => ({ digest: l.blobSum, size: -1 }))),
  )
}

export interface OutputFields {
  /** The Docker reference name (repository, no tag) when the transport has one. */
  name?: string
  digest: string
  /** The repository's tags; Go's nil slice (null) when the registry refused the list. */
  repoTags: string[] | GoNil
  info: ImageInspectInfo
  /** Include LayersData (upstream skopeo ≥ 1.6 does; Debian's skopeo 1.9.3 build has no such field). */
  layersData?: boolean
}

/** skopeo's inspect.Output, in its field order; Name and Tag are omitted from JSON when empty. */
export function buildInspectOutput(o: OutputFields): Record<string, unknown> {
  const { info } = o
  const out: Record<string, unknown> = {
    Name: o.name ?? '',
    Tag: info.Tag,
    Digest: o.digest,
    RepoTags: o.repoTags,
    Created: info.Created,
    DockerVersion: info.DockerVersion,
    Labels: info.Labels,
    Architecture: info.Architecture,
    Os: info.Os,
    Layers: info.Layers,
  }
  if (o.layersData !== false) out.LayersData = info.LayersData
  out.Env = info.Env
  return goStruct(out, { omitEmpty: new Set(['Name', 'Tag']), types: { Digest: 'digest.Digest' } })
}
