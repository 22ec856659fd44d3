/**
 * Signatures of docker:// images in a lookaside store (containers-registries.d(5); containers/image
 * docker_image_src.go getSignaturesFromLookaside, docker_image_dest.go putSignaturesToLookaside):
 * `<base>/<repository path>@<algorithm>=<hex>/signature-N`, N from 1. Read from file:// and
 * http(s):// until the first one missing; written to file:// only (a web server's is published by
 * other means: configure `lookaside-staging`).
 */
import { mkdir, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SkiffError, isNotFound } from '../../errors.js'
import { parseDigest, type Digest } from '../../digest/digest.js'
import { defaultLookaside, lookasideTopLevel, useSigstoreAttachments } from '../../config/registries-d/index.js'
import { MAX_SIGNATURE_SIZE, readFileAtMost, sizeLimitError } from '../../util/limits.js'
import { writeFileAtomic } from '../../util/atomic.js'
import { parseStoredSignature, signatureToBlob } from '../../signature/blob.js'
import type { Signature } from '../../signature/types.js'
import type { TransportOptions } from '../types.js'
import { contextOf } from './options.js'
import type { DockerRef } from './types.js'

/** Where one image's signatures are read and written, from registries.d. */
export interface SignatureStorage {
  /** The lookaside to read from, with the repository path appended. */
  read: URL
  /** The lookaside to write to (lookaside-staging, else lookaside), with the repository path appended. */
  write: URL
  /** use-sigstore-attachments: sigstore signatures live in the registry as `sha256-<hex>.sig`. */
  useSigstoreAttachments: boolean
}

function storageURL(topLevel: string, ref: DockerRef): URL {
  let url: URL
  try {
    url = new URL(topLevel)
  } catch (e) {
    throw new SkiffError('ERR_CONFIG_INVALID', `Invalid signature storage URL ${topLevel}: ${(e as Error).message}`)
  }
  url.pathname = `${url.pathname.replace(/\/$/, '')}/${ref.ref.path}`
  return url
}

/** The signature storage registries.d configures for `ref` (--registries.d, else the user/system directory). */
export async function signatureStorage(ref: DockerRef, opts: TransportOptions | undefined): Promise<SignatureStorage> {
  const context = contextOf(opts)
  const env = context.env
  const config = await context.registriesD(opts?.registry?.registriesDirPath)
  const fallback = defaultLookaside({ env })
  return {
    read: storageURL(lookasideTopLevel(config, ref, false) ?? fallback, ref),
    write: storageURL(lookasideTopLevel(config, ref, true) ?? fallback, ref),
    useSigstoreAttachments: useSigstoreAttachments(config, ref),
  }
}

/** `<base>@<algorithm>=<hex>/signature-<index+1>`. */
export function lookasideURL(base: URL, digest: Digest, index: number): URL {
  const { algorithm, hex } = parseDigest(digest)
  const url = new URL(base.href)
  url.pathname = `${base.pathname}@${algorithm}=${hex}/signature-${index + 1}`
  return url
}

/** The URL as messages show it: without a password. */
function redacted(url: URL): string {
  if (!url.password) return url.href
  const u = new URL(url.href)
  u.password = 'xxxxx'
  return u.href
}

async function readOne(url: URL, image: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url)
    try {
      return await readFileAtMost(path, MAX_SIGNATURE_SIZE, () =>
        sizeLimitError(`${image}: reading signature ${path}`, MAX_SIGNATURE_SIZE, 'ERR_IO', image),
      )
    } catch (e) {
      if (isNotFound(e)) return undefined
      if (e instanceof SkiffError) throw e
      throw new SkiffError('ERR_IO', `${image}: reading signature ${path}: ${(e as Error).message}`, {
        cause: e,
        image,
      })
    }
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    let res: Response
    try {
      res = await fetch(url, { ...(signal ? { signal } : {}), redirect: 'follow' })
    } catch (e) {
      if (signal?.aborted) throw e
      const cause = (e as { cause?: { message?: string } }).cause?.message
      throw new SkiffError('ERR_IO', `reading signature from ${redacted(url)}: ${cause ?? (e as Error).message}`, {
        cause: e,
        image,
      })
    }
    if (res.status === 404) {
      await res.body?.cancel()
      return undefined
    }
    if (res.status !== 200) {
      await res.body?.cancel()
      throw new SkiffError(
        'ERR_IO',
        `reading signature from ${redacted(url)}: status ${res.status} (${res.statusText})`,
        { image },
      )
    }
    return readBounded(res, url, image)
  }
  throw new SkiffError('ERR_CONFIG_INVALID', `Unsupported scheme when reading signature from ${redacted(url)}`, {
    image,
  })
}

async function readBounded(res: Response, url: URL, image: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const chunk of res.body ?? []) {
    n += (chunk as Uint8Array).length
    if (n > MAX_SIGNATURE_SIZE) {
      await res.body?.cancel().catch(() => {})
      throw sizeLimitError(`${image}: reading signature from ${redacted(url)}`, MAX_SIGNATURE_SIZE, 'ERR_IO', image)
    }
    chunks.push(Buffer.from(chunk as Uint8Array))
  }
  return Buffer.concat(chunks)
}

/** The lookaside signatures of `digest`, in order (signature-1, -2, … until one is missing). */
export async function readLookaside(
  base: URL,
  digest: Digest,
  image: string,
  signal?: AbortSignal,
): Promise<Signature[]> {
  const out: Signature[] = []
  for (let i = 0; ; i++) {
    const url = lookasideURL(base, digest, i)
    const blob = await readOne(url, image, signal)
    if (blob === undefined) return out
    const where = url.protocol === 'file:' ? JSON.stringify(fileURLToPath(url)) : redacted(url)
    out.push(parseStoredSignature(blob, where, image))
  }
}

/** Stores `sigs` as the lookaside signatures of `digest`, removing any later ones left from before. */
export async function writeLookaside(base: URL, digest: Digest, sigs: Signature[], image: string): Promise<void> {
  if (base.protocol === 'http:' || base.protocol === 'https:')
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${image}: Writing directly to a ${base.protocol.slice(0, -1)} lookaside ${redacted(base)} is not supported. Configure a lookaside-staging: location`,
      { image },
    )
  if (base.protocol !== 'file:')
    throw new SkiffError('ERR_CONFIG_INVALID', `Unsupported scheme when writing signature to ${redacted(base)}`, {
      image,
    })
  const fail = (path: string, e: unknown): SkiffError =>
    new SkiffError('ERR_IO', `${image}: writing signature ${path}: ${(e as Error).message}`, { cause: e, image })
  for (let i = 0; i < sigs.length; i++) {
    const path = fileURLToPath(lookasideURL(base, digest, i))
    try {
      await mkdir(dirname(path), { recursive: true })
      await writeFileAtomic(path, signatureToBlob(sigs[i]!))
    } catch (e) {
      throw fail(path, e)
    }
  }
  for (let i = sigs.length; ; i++) {
    const path = fileURLToPath(lookasideURL(base, digest, i))
    try {
      await rm(path)
    } catch (e) {
      if (isNotFound(e)) return
      throw fail(path, e)
    }
  }
}
