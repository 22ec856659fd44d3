/**
 * Builds small test images by hand (tar-stream + zlib + raw files), independent of skiff's own
 * writers, so tests are not circular. Other formats come from skopeo (the oracle) converting these.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pack } from 'tar-stream'

export function sha256(b: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex')
}

export async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const p = pack()
  const chunks: Buffer[] = []
  p.on('data', (c: unknown) => chunks.push(c as Buffer))
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve)
    p.on('error', reject)
  })
  for (const [name, content] of Object.entries(files)) {
    p.entry({ name, mtime: new Date(0), mode: 0o644 }, typeof content === 'string' ? Buffer.from(content) : content)
  }
  p.finalize()
  await done
  return Buffer.concat(chunks)
}

export interface LayerSpec {
  files: Record<string, string | Buffer>
  /** default gzip */
  compression?: 'gzip' | 'none'
}

export interface ImageSpec {
  layers: LayerSpec[]
  os?: string
  architecture?: string
  variant?: string
  labels?: Record<string, string>
  env?: string[]
  /** 'oci' (default) or 'docker' media types */
  flavor?: 'oci' | 'docker'
  created?: string
  /** Extra top-level config fields (e.g. Docker's container_config, docker_version). */
  configExtra?: Record<string, unknown>
  /** Extra fields of config.config (ExposedPorts, Volumes, …). */
  runConfigExtra?: Record<string, unknown>
}

export interface BuiltImage {
  manifest: Buffer
  manifestDigest: string
  mediaType: string
  config: Buffer
  configDigest: string
  layers: { digest: string; size: number; diffID: string; bytes: Buffer; mediaType: string }[]
}

export async function buildImage(spec: ImageSpec): Promise<BuiltImage> {
  const docker = spec.flavor === 'docker'
  const layers = []
  for (const l of spec.layers) {
    const tar = await tarOf(l.files)
    const gz = (l.compression ?? 'gzip') === 'gzip'
    const bytes = gz ? gzipSync(tar) : tar
    const mediaType = docker
      ? gz
        ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
        : 'application/vnd.docker.image.rootfs.diff.tar'
      : gz
        ? 'application/vnd.oci.image.layer.v1.tar+gzip'
        : 'application/vnd.oci.image.layer.v1.tar'
    layers.push({ digest: sha256(bytes), size: bytes.length, diffID: sha256(tar), bytes, mediaType })
  }
  const created = spec.created ?? '2024-01-02T03:04:05Z'
  const configObj = {
    created,
    architecture: spec.architecture ?? 'amd64',
    os: spec.os ?? 'linux',
    ...(spec.variant ? { variant: spec.variant } : {}),
    config: {
      Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
      Labels: spec.labels ?? {},
      ...(spec.runConfigExtra ?? {}),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history: layers.map(() => ({ created, created_by: 'test layer' })),
    ...(spec.configExtra ?? {}),
  }
  const config = Buffer.from(JSON.stringify(configObj))
  const mediaType = docker
    ? 'application/vnd.docker.distribution.manifest.v2+json'
    : 'application/vnd.oci.image.manifest.v1+json'
  const manifestObj = {
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  }
  const manifest = Buffer.from(JSON.stringify(manifestObj))
  return { manifest, manifestDigest: sha256(manifest), mediaType, config, configDigest: sha256(config), layers }
}

async function putBlob(layout: string, bytes: Buffer): Promise<string> {
  const d = sha256(bytes)
  const dir = join(layout, 'blobs', 'sha256')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, d.slice(7)), bytes)
  return d
}

async function addIndexEntry(layout: string, entry: Record<string, unknown>): Promise<void> {
  await mkdir(layout, { recursive: true })
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  let index: { schemaVersion: number; mediaType?: string; manifests: unknown[] }
  try {
    index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'))
  } catch {
    index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }
  }
  index.manifests.push(entry)
  await writeFile(join(layout, 'index.json'), JSON.stringify(index))
}

/** Writes one image into an OCI layout (created if missing) under `tag`. */
export async function writeOciImage(layout: string, tag: string | undefined, spec: ImageSpec): Promise<BuiltImage> {
  const img = await buildImage(spec)
  for (const l of img.layers) await putBlob(layout, l.bytes)
  await putBlob(layout, img.config)
  await putBlob(layout, img.manifest)
  await addIndexEntry(layout, {
    mediaType: img.mediaType,
    digest: img.manifestDigest,
    size: img.manifest.length,
    ...(tag ? { annotations: { 'org.opencontainers.image.ref.name': tag } } : {}),
  })
  return img
}

export interface BuiltIndex {
  index: Buffer
  indexDigest: string
  images: BuiltImage[]
}

/** Writes a multi-platform image (OCI index) into a layout under `tag`. */
export async function writeOciIndex(layout: string, tag: string, specs: ImageSpec[]): Promise<BuiltIndex> {
  const images: BuiltImage[] = []
  for (const s of specs) {
    const img = await buildImage(s)
    for (const l of img.layers) await putBlob(layout, l.bytes)
    await putBlob(layout, img.config)
    await putBlob(layout, img.manifest)
    images.push(img)
  }
  const indexObj = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: images.map((img, i) => ({
      mediaType: img.mediaType,
      digest: img.manifestDigest,
      size: img.manifest.length,
      platform: {
        architecture: specs[i]!.architecture ?? 'amd64',
        os: specs[i]!.os ?? 'linux',
        ...(specs[i]!.variant ? { variant: specs[i]!.variant } : {}),
      },
    })),
  }
  const index = Buffer.from(JSON.stringify(indexObj))
  await putBlob(layout, index)
  await addIndexEntry(layout, {
    mediaType: 'application/vnd.oci.image.index.v1+json',
    digest: sha256(index),
    size: index.length,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  })
  return { index, indexDigest: sha256(index), images }
}

/** A small, deterministic single-layer image, for tests that need "an image". */
export function smallImage(name = 'hello', extra: Partial<ImageSpec> = {}): ImageSpec {
  return {
    layers: [{ files: { [`${name}.txt`]: `hello from ${name}\n` } }, { files: { 'etc/os-release': `NAME=${name}\n` } }],
    labels: { 'org.example.name': name },
    ...extra,
  }
}
