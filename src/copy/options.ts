/** Options and results of the copy engine; the CLI normalizes flags into these once, at the edge. */
import type { Digest } from '../digest/digest.js'
import type { TransportOptions } from '../transports/types.js'
import type { Platform } from '../manifest/types.js'
import type { PolicyContext } from '../policy/types.js'
import type { SkiffContext } from '../registry/context.js'
import type { CopyEvent } from './events.js'
import type { SharedCopyState } from './shared-state.js'
import type { DockerReference } from '../reference/docker-reference.js'
import type { Signer } from '../signature/signer.js'

export type CompressionFormat = 'gzip' | 'zstd'

export interface CompressionOptions {
  /** 'preserve' keeps what the source has unless the destination wants otherwise. */
  mode?: 'preserve' | 'compress' | 'decompress'
  format?: CompressionFormat
  level?: number
}

/**
 * What to copy of a multi-platform image: 'system' (one instance chosen by platform, the default),
 * 'all' (every instance), 'index-only' (the list, no instances), or a list of platforms (a sparse
 * list unless stripRemovedPlatforms).
 */
export type MultiArch = 'system' | 'all' | 'index-only' | Platform[]

export interface CopyOptions {
  /** Trust policy. Required: use `insecureAcceptAnythingPolicy()` deliberately, as --insecure-policy does. */
  policy: PolicyContext
  /** Manifest format to write: 'oci' | 'v2s2' | 'v2s1' (--format). */
  format?: 'oci' | 'v2s2' | 'v2s1'
  multiArch?: MultiArch
  stripRemovedPlatforms?: boolean
  /** Fail instead of changing a digest (--preserve-digests). */
  preserveDigests?: boolean
  /**
   * Also copy the image's OCI referrers (manifests whose subject it is; --referrers) and/or its
   * cosign digest tags (`sha256-<hex>.sig|.att|.sbom`; --digest-tags), for the top-level manifest
   * and each instance of a list, skipping what the destination has. Both point at digests, so they
   * imply preserveDigests. Needs a source transport that can (docker://) and a destination of the
   * same transport.
   */
  referrers?: boolean
  digestTags?: boolean
  /** Do not copy the source's signatures (new ones from `signers` are still added). */
  removeSignatures?: boolean
  /**
   * Sign every manifest written with each of these (gpgSigner() for --sign-by, the sigstore signer
   * for --sign-by-sigstore-private-key); the signatures are stored with the image.
   */
  signers?: Signer[]
  /** The identity new signatures claim (--sign-identity): a reference with a tag or digest. Default: the destination's. */
  signIdentity?: DockerReference
  compression?: CompressionOptions
  /** Layers copied at once per image (--image-parallel-copies), default 6. */
  imageParallelCopies?: number
  /** Platform used to choose an instance from a list (--override-os/arch/variant); host by default. */
  platform?: Partial<Platform>
  source?: TransportOptions
  destination?: TransportOptions
  /**
   * Registry clients, caches, configuration and debug log (newContext()) for both ends, unless an
   * end's TransportOptions names its own. Default: the shared state's (`shared.context`), else a
   * fresh context for this call, closed at its end.
   */
  context?: SkiffContext
  signal?: AbortSignal
  onEvent?: (e: CopyEvent) => void
  /**
   * State shared by the copies of one run (createSharedCopyState(), once per sync): a blob needed by
   * several images moves once per destination registry, and blob transfers per registry are limited.
   */
  shared?: SharedCopyState
}

export interface CopyResult {
  /** Digest of the top-level manifest written (--digestfile). */
  manifestDigest: Digest
  manifestMediaType: string
  /** Bytes of the top-level manifest written. */
  manifest: Buffer
}
