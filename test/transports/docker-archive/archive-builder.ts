/**
 * Builds `docker save`-style archives by hand (tar-stream), independent of skiff's writer, in the
 * layouts Docker produces: legacy (`<id>/layer.tar`, duplicate layers as symlinks) and OCI-style
 * (`blobs/sha256/<hex>`, Docker ≥ 25).
 */
import { writeFile } from 'node:fs/promises'
import { pack, type Header } from 'tar-stream'
import { buildImage, sha256, type BuiltImage, type ImageSpec } from '../../helpers/fixtures.js'

export interface RawEntry {
  name: string
  data?: Buffer | string
  type?: 'file' | 'symlink' | 'directory' | 'link'
  linkname?: string
}

export async function tarEntries(entries: RawEntry[]): Promise<Buffer> {
  const p = pack()
  const chunks: Buffer[] = []
  p.on('data', (c: unknown) => chunks.push(c as Buffer))
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve())
    p.on('error', reject)
  })
  for (const e of entries) {
    const h: Partial<Header> & { name: string } = {
      name: e.name,
      mtime: new Date(0),
      mode: 0o644,
      type: e.type ?? 'file',
    }
    if (e.linkname !== undefined) h.linkname = e.linkname
    if ((e.type ?? 'file') === 'file')
      p.entry(h, typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0)))
    else p.entry(h)
  }
  p.finalize()
  await done
  return Buffer.concat(chunks)
}

export interface ArchiveImage {
  spec: ImageSpec
  repoTags?: string[] | null
}

/** Builds images with UNCOMPRESSED layers (what docker save stores) unless the spec says gzip. */
export async function buildImages(images: ArchiveImage[]): Promise<BuiltImage[]> {
  return Promise.all(
    images.map((i) => buildImage({ ...i.spec, layers: i.spec.layers.map((l) => ({ compression: 'none', ...l })) })),
  )
}

/**
 * Legacy layout: `<hex>.json` config, `<layerid>/layer.tar` per layer (ids are made up, as docker's
 * are opaque); a layer already stored by an earlier image becomes a symlink to the first file.
 */
export async function legacyArchive(images: ArchiveImage[]): Promise<{ tar: Buffer; built: BuiltImage[] }> {
  const built = await buildImages(images)
  const entries: RawEntry[] = []
  const stored = new Map<string, string>() // layer digest -> path
  const manifest = built.map((img, i) => {
    const layers = img.layers.map((l, j) => {
      const id = sha256(`${i}/${j}/${l.digest}`).slice(7)
      const path = `${id}/layer.tar`
      entries.push(
        { name: `${id}/`, type: 'directory' },
        { name: `${id}/VERSION`, data: '1.0' },
        { name: `${id}/json`, data: JSON.stringify({ id }) },
      )
      const first = stored.get(l.digest)
      if (first) entries.push({ name: path, type: 'symlink', linkname: `../${first}` })
      else {
        entries.push({ name: path, data: l.bytes })
        stored.set(l.digest, path)
      }
      return path
    })
    entries.push({ name: `${img.configDigest.slice(7)}.json`, data: img.config })
    return { Config: `${img.configDigest.slice(7)}.json`, RepoTags: images[i]!.repoTags ?? null, Layers: layers }
  })
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) })
  return { tar: await tarEntries(entries), built }
}

/** OCI-style layout (Docker ≥ 25): blobs/sha256/<hex>, oci-layout, index.json, manifest.json. */
export async function ociStyleArchive(images: ArchiveImage[]): Promise<{ tar: Buffer; built: BuiltImage[] }> {
  const built = await buildImages(images)
  const entries: RawEntry[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
  ]
  const seen = new Set<string>()
  const blob = (d: string, data: Buffer): string => {
    if (!seen.has(d)) entries.push({ name: `blobs/sha256/${d.slice(7)}`, data })
    seen.add(d)
    return `blobs/sha256/${d.slice(7)}`
  }
  const manifest = built.map((img, i) => ({
    Config: blob(img.configDigest, img.config),
    RepoTags: images[i]!.repoTags ?? null,
    Layers: img.layers.map((l) => blob(l.digest, l.bytes)),
    LayerSources: {},
  }))
  for (const img of built) blob(img.manifestDigest, img.manifest)
  entries.push({ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' })
  entries.push({
    name: 'index.json',
    data: JSON.stringify({
      schemaVersion: 2,
      manifests: built.map((img) => ({
        mediaType: img.mediaType,
        digest: img.manifestDigest,
        size: img.manifest.length,
      })),
    }),
  })
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) })
  return { tar: await tarEntries(entries), built }
}

export async function writeArchive(path: string, a: { tar: Buffer }): Promise<void> {
  await writeFile(path, a.tar)
}
