/**
 * A blob whose size or digest is not known up front is streamed to a temp file first (a tar header
 * needs the size before the data); the digest and size are computed on the way.
 */
import { createReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Readable } from 'node:stream'
import { DigestingStream } from '../../../digest/verify.js'
import type { Digest } from '../../../digest/digest.js'
import { unregisterTempPath } from '../../../util/cleanup.js'
import { newTempPath } from './archive-file.js'
import { isWriteFailure, writeError } from '../../../util/write-error.js'
import { BLOB_READ_CHUNK } from '../../../util/io.js'
import { pipeToFile } from '../../../util/file-sink.js'

export interface SpooledBlob {
  digest: Digest
  size: number
  open(): Readable
  remove(): Promise<void>
}

export async function spoolBlob(
  stream: Readable,
  opts: {
    tmpdir?: string | undefined
    signal?: AbortSignal | undefined
    expectedDigest?: Digest | undefined
    what: string
    image?: string
  },
): Promise<SpooledBlob> {
  const path = newTempPath(opts.tmpdir, 'skiff-blob')
  const remove = async (): Promise<void> => {
    await rm(path, { force: true })
    unregisterTempPath(path)
  }
  const hasher = new DigestingStream({ digest: opts.expectedDigest, what: opts.what })
  try {
    await pipeToFile(path, stream, [hasher], { mode: 0o600, signal: opts.signal })
  } catch (e) {
    await remove()
    throw isWriteFailure(e) ? writeError(e, `a temp file in ${dirname(path)}`, opts.image ?? opts.what) : e
  }
  return {
    digest: hasher.digest,
    size: hasher.size,
    open: () => createReadStream(path, { highWaterMark: BLOB_READ_CHUNK }),
    remove,
  }
}
