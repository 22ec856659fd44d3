/**
 * Writing an image into a Docker daemon: the shared docker-archive writer streams the tar straight
 * into the body of `POST /images/load` (chunked), as `docker load` does, so no copy of the archive
 * is made. Layers whose size or digest is not known up front (e.g. decompressed on the way) are
 * spooled to a temp file one at a time first, because a tar header needs the size.
 *
 * The daemon only imports the image once the tar ends, so closing without commit aborts the request
 * (an incomplete chunked body) and the daemon keeps nothing. On commit the end-of-archive marker is
 * sent and the daemon's JSON message stream is checked for an error.
 */
import { once } from 'node:events'
import type { ClientRequest, IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { sweepTmpdir } from '../../util/temp-owner.js'
import { InvalidReferenceError, SkiffError } from '../../errors.js'
import { TarfileDestination, type TarfileOutput } from '../shared/docker-tarfile/destination.js'
import { TarWriter } from '../shared/docker-tarfile/tar-writer.js'
import type { ImageDestination, TransportOptions } from '../types.js'
import { connectionError, errorMessage, ping, readBody, startRequest } from './client.js'
import type { DaemonEndpoint } from './endpoint.js'
import { resolveEndpoint } from './endpoint.js'
import { parseLoadResponse } from './load-response.js'
import type { DaemonRef } from './types.js'

class LoadOutput implements TarfileOutput {
  private early: SkiffError | undefined

  constructor(
    private readonly ep: DaemonEndpoint,
    private readonly image: string,
    private readonly req: ClientRequest,
    private readonly response: Promise<IncomingMessage>,
  ) {
    // A daemon that answers before the tar ended refused it: stop sending, and say why.
    response.then(
      async (res) => {
        if (res.statusCode === 200 || this.req.writableFinished) return
        this.early = await this.failure(res)
        this.req.destroy(this.early)
      },
      () => undefined,
    )
  }

  private async failure(res: IncomingMessage): Promise<SkiffError> {
    const msg = await errorMessage(res)
    return new SkiffError('ERR_IO', `${this.image}: the Docker daemon at ${this.ep.host} refused the image: ${msg}`, {
      image: this.image,
    })
  }

  async commit(): Promise<void> {
    let res: IncomingMessage
    try {
      res = await this.response
    } catch (e) {
      throw this.early ?? connectionError(this.ep, e, this.image)
    }
    if (res.statusCode !== 200) throw this.early ?? (await this.failure(res))
    const result = parseLoadResponse((await readBody(res)).toString('utf8'))
    if (result.error !== undefined) {
      throw new SkiffError(
        'ERR_IO',
        `${this.image}: the Docker daemon at ${this.ep.host} failed to load the image: ${result.error}`,
        { image: this.image },
      )
    }
  }

  async discard(): Promise<void> {
    // A request torn down before its socket connected (nothing written yet) ends with 'close'
    // alone: no 'error', no response. Waiting for the response only would wait forever.
    const closed = this.req.closed ? Promise.resolve(undefined) : once(this.req, 'close').then(() => undefined)
    if (!this.req.destroyed)
      this.req.destroy(new Error('image load aborted: the destination was closed without commit'))
    const res = await Promise.race([this.response.catch(() => undefined), closed])
    res?.resume()
  }
}

export async function openDaemonDestination(ref: DaemonRef, opts: TransportOptions): Promise<ImageDestination> {
  const image = ref.toString()
  if (ref.ref === undefined || ref.ref.tag === undefined) {
    throw new InvalidReferenceError(
      `invalid destination ${image}: a destination must be NAME:TAG (image IDs and digests can only be read)`,
      { image },
    )
  }
  const ep = resolveEndpoint(opts.registry, 'destination')
  await sweepTmpdir(opts.tmpdir ?? tmpdir()) // spools a killed run left
  // Fail early and clearly when the daemon is not there, before any layer is read.
  await ping(ep, { signal: opts.signal, image })
  const { req, response } = startRequest(ep, 'POST', '/images/load?quiet=1', {
    headers: { 'Content-Type': 'application/x-tar' },
    signal: opts.signal,
  })
  const output = new LoadOutput(ep, image, req, response)
  return new TarfileDestination(ref, new TarWriter(req), output, { repoTags: [ref.ref], tmpdir: opts.tmpdir })
}
