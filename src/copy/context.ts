/** State shared by the steps of one copy: both ends, the blob copier and normalized options. */
import type { ImageDestination, ImageSource } from '../transports/types.js'
import type { Platform } from '../manifest/types.js'
import type { BlobCopier, LayerCompressionPolicy } from './blob.js'
import type { CopyEvent } from './events.js'
import type { MultiArch } from './options.js'

export interface CopyContext {
  src: ImageSource
  dest: ImageDestination
  blobs: BlobCopier
  /** `transport:details` of each end, for messages. */
  srcName: string
  destName: string
  /** Forced image manifest type (--format), as a media type. */
  forcedType?: string
  preserveDigests: boolean
  compression: LayerCompressionPolicy
  parallel: number
  multiArch: MultiArch
  stripRemovedPlatforms: boolean
  platform?: Partial<Platform>
  signal?: AbortSignal
  emit: (e: CopyEvent) => void
}

/** A manifest as written to the destination. */
export interface WrittenManifest {
  bytes: Buffer
  mediaType: string
  digest: string
}
