/**
 * Reading an image from a Docker daemon: `GET /images/{name}/get` (what `docker save` uses) returns
 * a docker-archive tar stream, read by the shared docker-archive reader. The daemon writes
 * manifest.json LAST, so the stream is spooled to one temp file under --tmpdir first (disk: the
 * image's uncompressed size; memory: constant), exactly as containers/image does; the temp file is
 * removed on close (or at process exit).
 */
import { ImageNotFoundError, SkiffError } from '../../errors.js'
import { TarfileReader } from '../shared/docker-tarfile/reader.js'
import { TarfileSource } from '../shared/docker-tarfile/source.js'
import type { ImageSource, TransportOptions } from '../types.js'
import { connectionError, daemonRequest, errorMessage } from './client.js'
import { resolveEndpoint, type DaemonEndpoint } from './endpoint.js'
import type { DaemonRef } from './types.js'

/** Messages the daemon uses for "no such image" (the ID path answers 500, not 404, on some versions). */
const NOT_FOUND_RE = /no such image|reference does not exist|not found|failed to get digest .*no such file/i

/** Whether the image exists, for classifying a failed save (`GET /images/{name}/json`). */
async function imageExists(
  ep: DaemonEndpoint,
  name: string,
  signal: AbortSignal | undefined,
): Promise<boolean | undefined> {
  try {
    const res = await daemonRequest(ep, 'GET', `/images/${name}/json`, { signal })
    res.resume()
    if (res.statusCode === 200) return true
    if (res.statusCode === 404) return false
  } catch {
    // fall through: unknown
  }
  return undefined
}

export async function openDaemonSource(ref: DaemonRef, opts: TransportOptions): Promise<ImageSource> {
  const image = ref.toString()
  const ep = resolveEndpoint(opts.registry, 'source')
  const name = ref.stringWithinTransport()
  const res = await daemonRequest(ep, 'GET', `/images/${name}/get`, { signal: opts.signal, image })
  if (res.statusCode !== 200) {
    const msg = await errorMessage(res)
    if (res.statusCode === 404 || (NOT_FOUND_RE.test(msg) && (await imageExists(ep, name, opts.signal)) === false)) {
      throw new ImageNotFoundError(
        `${image}: no such image in the Docker daemon at ${ep.host} ("docker images" lists what it holds)`,
        { image },
      )
    }
    throw new SkiffError('ERR_IO', `${image}: the Docker daemon at ${ep.host} refused to export the image: ${msg}`, {
      image,
    })
  }
  let reader: TarfileReader
  try {
    reader = await TarfileReader.fromStream(res, { tmpdir: opts.tmpdir, signal: opts.signal, image })
  } catch (e) {
    res.destroy()
    throw e instanceof SkiffError ? e : connectionError(ep, e, image)
  }
  try {
    return await TarfileSource.create(ref, reader, { index: -1 })
  } catch (e) {
    await reader.close()
    throw e
  }
}
