/**
 * Streams into a new local file, race-free with the caller's cleanup.
 *
 * `pipeline(source, fs.createWriteStream(path))` can reject (the source failed) before the write
 * stream has even opened its file: the open is still queued in libuv's thread pool, so a caller
 * that removes `path` on failure may run its `rm` first, and the file appears afterwards — an empty
 * temp file left behind (seen as a rare failure of the destination contract test). Here a failure
 * is reported only once the write stream has closed (its open done, its descriptor closed), so when
 * this rejects nothing is pending on `path` and removing it is final. The pipeline is still set up
 * at once: the caller's streams get their error listeners before anything can fail.
 */
import { createWriteStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'

export interface FileSinkOptions {
  mode?: number
  /** fs open flags; 'w' (create or truncate) by default, 'wx' to refuse an existing file. */
  flags?: string
  signal?: AbortSignal | undefined
}

/** Pipes `source` through `transforms` into the file at `path`; settles only after the file is closed. */
export async function pipeToFile(
  path: string,
  source: Readable | NodeJS.ReadableStream,
  transforms: NodeJS.ReadWriteStream[] = [],
  { mode = 0o644, flags = 'w', signal }: FileSinkOptions = {},
): Promise<void> {
  const sink = createWriteStream(path, { mode, flags })
  try {
    await pipeline([source, ...transforms, sink] as NodeJS.ReadWriteStream[], signal ? { signal } : {})
  } catch (e) {
    // pipeline destroyed the sink; its open may still be in flight: wait for its 'close'
    await finished(sink).catch(() => undefined)
    throw e
  }
}
