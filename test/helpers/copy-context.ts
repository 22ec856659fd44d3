/** A CopyContext for unit tests of the engine's steps (copySingleImage, copyList) over fake ends. */
import { BlobCopier } from '../../src/copy/blob.js'
import type { CopyContext } from '../../src/copy/context.js'
import type { CopyEvent } from '../../src/copy/events.js'
import type { ImageDestination, ImageSource } from '../../src/transports/types.js'
import { insecureAcceptAnythingPolicy } from '../../src/policy/context.js'

/** The context copyImage would build for `dest` with no flags; `events` collects what the engine emitted. */
export function copyContext(
  src: ImageSource,
  dest: ImageDestination,
  over: Partial<CopyContext> = {},
): CopyContext & { events: CopyEvent[] } {
  const events: CopyEvent[] = []
  const emit = (e: CopyEvent): void => {
    events.push(e)
  }
  return {
    src,
    dest,
    blobs: new BlobCopier(src, dest, emit),
    srcName: src.reference.toString(),
    destName: dest.reference.toString(),
    preserveDigests: false,
    compression: { mode: dest.properties.desiredLayerCompression, format: 'gzip', force: false },
    parallel: 6,
    multiArch: 'system',
    stripRemovedPlatforms: false,
    emit,
    policy: insecureAcceptAnythingPolicy(),
    removeSignatures: false,
    signers: [],
    ...over,
    events,
  }
}
