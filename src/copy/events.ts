/**
 * Progress is events, not printing: the engine emits these; the CLI renders skopeo's lines on
 * stderr, bars on a TTY, or NDJSON.
 */
import type { Digest } from '../digest/digest.js'
import type { AttachedCopyEvent } from '../transports/types.js'

export type CopyEvent =
  | { type: 'start'; source: string; destination: string }
  /** `list`: the signatures of a list being copied with its instances (skopeo: "Getting image list signatures"). */
  | { type: 'signatures-get'; list?: boolean }
  /** A list is copied with `copying` of its `total` instances. */
  | { type: 'list-start'; copying: number; total: number }
  /** A blob starts; `kind` config or layer. size -1 when unknown. */
  | { type: 'blob-start'; kind: 'layer' | 'config'; digest: Digest; size: number }
  | { type: 'blob-progress'; digest: Digest; bytes: number }
  | { type: 'blob-done'; kind: 'layer' | 'config'; digest: Digest; size: number; reused: boolean }
  | { type: 'manifest-write'; instance?: Digest; list?: boolean }
  /** Signatures will be copied: skopeo's "Checking if image (list) destination supports signatures". */
  | { type: 'signatures-check'; list?: boolean }
  /** A Signer starts; `message` is skopeo's line ("Signing manifest using simple signing"). */
  | { type: 'signing'; message: string }
  | { type: 'signatures-store'; count: number; list?: boolean }
  | { type: 'instance'; index: number; total: number; digest: Digest }
  | { type: 'done'; manifestDigest: Digest }
  /** --referrers / --digest-tags: an attached artifact copied, or skipped because the destination has it. */
  | AttachedCopyEvent
