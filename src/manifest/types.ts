/** Parsed manifest models. The exact bytes always travel alongside; these are for reading. */
import type { Digest } from '../digest/digest.js'

/** A blob descriptor as it appears in a manifest. size -1 = unknown. */
export interface BlobInfo {
  digest: Digest
  size: number
  mediaType?: string
  urls?: string[]
  annotations?: Record<string, string>
}

export interface Platform {
  os: string
  architecture: string
  variant?: string
  'os.version'?: string
  'os.features'?: string[]
}

/** Docker schema2 or OCI image manifest. */
export interface ImageManifest {
  kind: 'image'
  mediaType: string
  config: BlobInfo
  layers: BlobInfo[]
  annotations?: Record<string, string>
  subject?: BlobInfo
  artifactType?: string
}

export interface ListEntry extends BlobInfo {
  platform?: Platform
}

/** Docker manifest list or OCI index. */
export interface ManifestList {
  kind: 'list'
  mediaType: string
  manifests: ListEntry[]
  annotations?: Record<string, string>
  subject?: BlobInfo
  artifactType?: string
}

export interface Schema1FsLayer {
  blobSum: string
}

export interface Schema1History {
  v1Compatibility: string
}

/** Docker image manifest schema 1 (signed or not). Layers are listed newest first. */
export interface Schema1Manifest {
  kind: 'schema1'
  mediaType: string
  name: string
  tag: string
  architecture: string
  fsLayers: Schema1FsLayer[]
  history: Schema1History[]
  signed: boolean
}

export type Manifest = ImageManifest | ManifestList | Schema1Manifest
