/** State shared by the steps of one copy: both ends, the blob copier and normalized options. */
import type { ImageDestination, ImageSource } from '../transports/types.js'
import type { PolicyContext } from '../policy/types.js'
import type { DockerReference } from '../reference/docker-reference.js'
import type { Signer } from '../signature/signer.js'
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
  /** Checks every image copied (each instance of a list) before its blobs move. */
  policy: PolicyContext
  /** Drop the source's signatures (--remove-signatures); new ones from `signers` are still added. */
  removeSignatures: boolean
  /** Signatures to create for each manifest written (--sign-by, --sign-by-sigstore-private-key). */
  signers: readonly Signer[]
  /** The identity new signatures claim (--sign-identity); default the destination's Docker reference. */
  signIdentity?: DockerReference
}

/** A manifest as written to the destination. */
export interface WrittenManifest {
  bytes: Buffer
  mediaType: string
  digest: string
}
