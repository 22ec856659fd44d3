/**
 * Upper bounds for everything read into memory (manifests, configs, token answers, error bodies,
 * tag-list pages, small metadata files), as containers/image's iolimits: a hostile or broken
 * source fails fast with "exceeded maximum allowed size of N bytes" instead of exhausting memory.
 * Blobs (layers) are never held in memory; they stream.
 */
import { open } from 'node:fs/promises'
import { SkiffError, type ErrorCode } from '../errors.js'

const MiB = 1024 * 1024

/** A manifest (image manifest, list or index): 4 MiB, as skopeo and docker/distribution. */
export const MAX_MANIFEST_SIZE = 4 * MiB
/** An image config blob read into memory (inspect, conversions): 4 MiB, as skopeo. */
export const MAX_CONFIG_SIZE = 4 * MiB
/** A token server's answer: 1 MiB, as skopeo. */
export const MAX_TOKEN_RESPONSE_SIZE = 1 * MiB
/** What is kept of an error answer's body (the rest is discarded, never an error): 1 MiB, as skopeo. */
export const MAX_ERROR_BODY_SIZE = 1 * MiB
/** One page of a tag or catalog list (distribution 2.x sends every tag in one page): 32 MiB. */
export const MAX_LIST_PAGE_SIZE = 32 * MiB
/** A signature read into memory: 4 MiB, as skopeo. */
export const MAX_SIGNATURE_SIZE = 4 * MiB
/** Small metadata files of local stores (registry-storage link files): 4 KiB. */
export const MAX_LINK_FILE_SIZE = 4096
/** index.json of an OCI layout, manifest.json of a docker archive: 32 MiB. */
export const MAX_INDEX_SIZE = 32 * MiB

/** skopeo's wording (containers/image iolimits.ReadAtMost). */
export function sizeLimitMessage(limit: number): string {
  return `exceeded maximum allowed size of ${limit} bytes`
}

export function sizeLimitError(
  what: string,
  limit: number,
  code: ErrorCode = 'ERR_MANIFEST_INVALID',
  image?: string,
): SkiffError {
  return new SkiffError(code, `${what}: ${sizeLimitMessage(limit)}`, image !== undefined ? { image } : {})
}

/**
 * Reads a stream (or any async iterable of bytes) into memory, failing once more than `limit`
 * bytes arrived; the source is destroyed then, so nothing more is read.
 */
export async function readAtMost(
  source: AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void },
  limit: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of source) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c)
    n += b.length
    if (n > limit) {
      const e = tooLarge()
      source.destroy?.(e)
      throw e
    }
    chunks.push(b)
  }
  return Buffer.concat(chunks, n)
}

/** Reads a file into memory, refusing (before reading) one larger than `limit`. */
export async function readFileAtMost(path: string, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const st = await fh.stat()
    if (st.isFile() && st.size > limit) throw tooLarge()
    // not a regular file (a FIFO, a device): read at most limit+1 bytes
    const buf = Buffer.alloc(st.isFile() ? st.size : limit + 1)
    let n = 0
    for (;;) {
      if (n === buf.length) {
        if (!st.isFile()) throw tooLarge()
        break
      }
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null)
      if (bytesRead === 0) break
      n += bytesRead
    }
    return n === buf.length ? buf : buf.subarray(0, n)
  } finally {
    await fh.close()
  }
}
