/**
 * Offline verification of a release bundle (`skiff verify-bundle BUNDLE`): every blob and manifest
 * is hashed and compared with the digest its name gives; every link holds the digest its path
 * names; every tag's image is whole (its manifests, configs and layers are in the bundle and linked
 * by its repository); SHA256SUMS lists exactly the data files and images.txt exactly the tags. The
 * first problem is thrown as one line naming the bundle and the entry.
 */
import { createReadStream } from 'node:fs'
import { SkiffError } from '../../errors.js'
import { digestHex, newHasher, type Digest } from '../../digest/digest.js'
import { parseManifest, resolveMediaType } from '../../manifest/parse.js'
import { MAX_MANIFEST_SIZE } from '../../util/limits.js'
import { BLOB_READ_CHUNK } from '../../util/io.js'
import { dataEntry, openBundle, readEntry, readLinkEntry, type Bundle } from './bundle.js'
import { IMAGES_FILE, SUMS_FILE, bundlePath } from './writer.js'

const DATA = /^docker\/registry\/v2\/blobs\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})\/data$/
const LINK =
  /^docker\/registry\/v2\/repositories\/(.+)\/(_layers|_manifests\/revisions|_manifests\/tags\/[^/]+\/index)\/sha256\/([0-9a-f]{64})\/link$/

export interface BundleReport {
  images: number
  blobs: number
  bytes: number
}

function bad(b: Bundle, what: string): SkiffError {
  return new SkiffError('ERR_DIGEST_MISMATCH', `${b.path}: ${what}; the bundle is damaged or was altered`)
}

async function hashEntry(b: Bundle, offset: number, size: number, signal?: AbortSignal): Promise<string> {
  const h = newHasher()
  if (size > 0) {
    const s = createReadStream(b.file, { start: offset, end: offset + size - 1, highWaterMark: BLOB_READ_CHUNK })
    for await (const c of s) {
      signal?.throwIfAborted()
      h.update(c as Buffer)
    }
  }
  return `sha256:${h.digest('hex')}`
}

export async function verifyBundle(
  path: string,
  opts: { tmpdir?: string; signal?: AbortSignal; onBlob?: (done: number, total: number) => void } = {},
): Promise<BundleReport> {
  const image = path
  const b = await openBundle(path, { tmpdir: opts.tmpdir, image })
  const data = new Map<Digest, number>()
  const names = b.index.names()
  const dataNames = names.filter((n) => DATA.test(n))
  let bytes = 0
  for (const [i, n] of dataNames.entries()) {
    const [, two, hex] = DATA.exec(n)!
    if (two !== hex!.slice(0, 2)) throw bad(b, `${n} is not in the folder its digest names`)
    const e = b.index.resolve(n)!
    const actual = await hashEntry(b, e.offset, e.size, opts.signal)
    if (actual !== `sha256:${hex}`)
      throw bad(b, `blob sha256:${hex} (${n}) does not match its digest (it hashes to ${actual})`)
    data.set(`sha256:${hex}`, e.size)
    bytes += e.size
    opts.onBlob?.(i + 1, dataNames.length)
  }
  for (const n of names) {
    const m = LINK.exec(n)
    if (!m) continue
    const d = `sha256:${m[3]}`
    if ((await readLinkEntry(b, n, image)) !== d) throw bad(b, `the link ${n} does not hold ${d}`)
    if (!data.has(d)) throw bad(b, `${n} links ${d}, which is not in the bundle`)
  }
  const linked = (repo: string, d: Digest, kind: 'layer' | 'revision'): boolean =>
    b.index.resolve(kind === 'layer' ? bundlePath.layerLink(repo, d) : bundlePath.revisionLink(repo, d)) !== undefined
  let images = 0
  const listed: string[] = []
  for (const [repo, tags] of b.tags) {
    for (const [tag, top] of tags) {
      images++
      listed.push(`${repo}:${tag} ${top}`)
      const walk = async (d: Digest, depth: number): Promise<void> => {
        if (!data.has(d) || !linked(repo, d, 'revision'))
          throw bad(b, `${repo}:${tag}: manifest ${d} is not in the bundle or not linked by the repository`)
        const bytesOf = await readEntry(b, dataEntry(b, d)!, MAX_MANIFEST_SIZE, image)
        const m = parseManifest(bytesOf, resolveMediaType(bytesOf, undefined), `${repo}:${tag}`)
        const blobs =
          m.kind === 'image'
            ? [m.config, ...m.layers]
            : m.kind === 'schema1'
              ? m.fsLayers.map((l) => ({ digest: l.blobSum, size: -1, urls: undefined }))
              : []
        for (const l of blobs) {
          if (!data.has(l.digest) && l.urls?.length) continue // a foreign layer is not stored
          if (!data.has(l.digest) || !linked(repo, l.digest, 'layer'))
            throw bad(b, `${repo}:${tag}: blob ${l.digest} is not in the bundle or not linked by the repository`)
          if (l.size >= 0 && data.get(l.digest) !== l.size)
            throw bad(b, `${repo}:${tag}: blob ${l.digest} is ${data.get(l.digest)} bytes, the manifest says ${l.size}`)
        }
        if (m.kind === 'list' && depth === 0)
          for (const e of m.manifests) if (linked(repo, e.digest, 'revision')) await walk(e.digest, 1)
      }
      await walk(top, 0)
    }
  }
  const text = async (name: string): Promise<string> =>
    (await readEntry(b, b.index.resolve(name)!, 64 * 1024 * 1024, image)).toString('utf8')
  const sums = (await text(SUMS_FILE))
    .split('\n')
    .filter((l) => l !== '')
    .sort()
  const expected = [...data.keys()].sort().map((d) => `${digestHex(d)}  ${bundlePath.data(d)}`)
  if (sums.join('\n') !== expected.join('\n'))
    throw bad(b, `${SUMS_FILE} does not list exactly the ${data.size} data files the bundle holds`)
  const imagesTxt = (await text(IMAGES_FILE))
    .split('\n')
    .filter((l) => l !== '')
    .sort()
  if (imagesTxt.join('\n') !== listed.sort().join('\n'))
    throw bad(b, `${IMAGES_FILE} does not list exactly the ${images} tagged images the bundle holds`)
  return { images, blobs: data.size, bytes }
}
