/** Reading and writing blob files of local layouts (dir:, oci:): shared by their sources and destinations. */
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { SkiffError } from '../errors.js'
import { DigestingStream } from '../digest/verify.js'
import type { Digest } from '../digest/digest.js'
import { writeStreamAtomic } from './atomic.js'
import { isWriteFailure, writeError } from './write-error.js'
import { dirname } from 'node:path'
import { BLOB_READ_CHUNK } from './io.js'

/** Opens a blob file for streaming; size and content come from the same open file. */
export async function openBlobFile(path: string): Promise<{ stream: Readable; size: number }> {
  const fh = await open(path, 'r')
  try {
    const st = await fh.stat()
    return { stream: fh.createReadStream({ highWaterMark: BLOB_READ_CHUNK }), size: st.size }
  } catch (e) {
    await fh.close()
    throw e
  }
}

/**
 * Streams a blob into a temp file beside `tempTarget`, hashing it (or trusting `expectedDigest`,
 * which the engine verifies upstream), then renames it to `finalPath(digest)`. Aborts destroy the
 * input; on any error nothing is left behind.
 */
export async function writeBlobFile(
  tempTarget: string,
  stream: Readable,
  opts: {
    what: string
    image: string
    expectedDigest?: Digest | undefined
    signal?: AbortSignal | undefined
    where?: string
  },
  finalPath: (digest: Digest) => Promise<string> | string,
): Promise<{ digest: Digest; size: number }> {
  const digesting = new DigestingStream({ what: opts.what, trusted: opts.expectedDigest })
  const onAbort = (): void => {
    // The abort can come before the pipeline below listens (e.g. during its mkdir): without a
    // listener the 'error' would be an uncaught exception. The pipeline still rejects with it.
    stream.on('error', () => {})
    stream.destroy(new SkiffError('ERR_ABORTED', `${opts.what} was aborted`, { image: opts.image }))
  }
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (opts.signal?.aborted) onAbort()
    await writeStreamAtomic(tempTarget, stream, [digesting], () => finalPath(digesting.digest))
  } catch (e) {
    throw isWriteFailure(e) ? writeError(e, opts.where ?? dirname(tempTarget), opts.image) : e
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
  }
  return { digest: digesting.digest, size: digesting.size }
}
