/**
 * Helpers for the registry-storage tests: fixture images, pulling from a real docker-registry with
 * skopeo, and looking at a store's tree.
 */
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { skopeo } from '../../helpers/tools.js'
import {
  sha256,
  smallImage,
  writeOciImage,
  writeOciIndex,
  type BuiltImage,
  type BuiltIndex,
} from '../../helpers/fixtures.js'

export const V2 = 'docker/registry/v2'

/** Every path under `root` (files and folders), relative, sorted. */
export async function tree(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      out.push(relative(root, p))
      if (e.isDirectory()) await walk(p)
    }
  }
  await walk(root)
  return out.sort()
}

/** The blob data files of a store: digest → { ino, nlink, size }. */
export async function dataFiles(root: string): Promise<Map<string, { ino: number; nlink: number; size: number }>> {
  const out = new Map<string, { ino: number; nlink: number; size: number }>()
  for (const p of await tree(join(root, V2, 'blobs'))) {
    if (!p.endsWith('/data')) continue
    const st = await stat(join(root, V2, 'blobs', p))
    out.set(`sha256:${p.split('/').at(-2)}`, { ino: st.ino, nlink: st.nlink, size: st.size })
  }
  return out
}

export function dataPath(root: string, digest: string): string {
  const hex = digest.slice('sha256:'.length)
  return join(root, V2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data')
}

export function repoPath(root: string, name: string): string {
  return join(root, V2, 'repositories', name)
}

export async function readText(p: string): Promise<string> {
  return readFile(p, 'utf8')
}

/**
 * A layout with images that share layers: `base` (2 layers), `app` (base's layers + 1), `tool`
 * (one of base's layers + its own), and `multi` (an OCI index of two platforms).
 */
export async function sharedLayerFixtures(
  layout: string,
): Promise<{ base: BuiltImage; app: BuiltImage; tool: BuiltImage; multi: BuiltIndex }> {
  const baseLayers = smallImage('base').layers
  const base = await writeOciImage(layout, 'base', { ...smallImage('base'), layers: baseLayers })
  const app = await writeOciImage(layout, 'app', {
    ...smallImage('app'),
    layers: [...baseLayers, { files: { 'app/run': '#!/bin/sh\necho app\n' } }],
  })
  const tool = await writeOciImage(layout, 'tool', {
    ...smallImage('tool'),
    layers: [baseLayers[0]!, { files: { 'tool/bin': 'tool\n' } }],
  })
  const multi = await writeOciIndex(layout, 'multi', [
    { ...smallImage('m-amd64'), architecture: 'amd64', layers: [baseLayers[0]!, { files: { 'm.txt': 'amd64\n' } }] },
    { ...smallImage('m-arm64'), architecture: 'arm64', variant: 'v8', layers: [{ files: { 'm.txt': 'arm64\n' } }] },
  ])
  return { base, app, tool, multi }
}

/** `skopeo inspect --raw` of docker://HOST/IMAGE: the manifest bytes the registry serves. */
export async function servedManifest(host: string, image: string): Promise<string> {
  const r = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${host}/${image}`])
  assert.equal(r.code, 0, `skopeo inspect docker://${host}/${image}: ${r.stderr}`)
  return r.stdout
}

/** Pulls docker://HOST/IMAGE (every blob) into an OCI layout with skopeo (`oci:PATH:REF`). */
export async function pullWithSkopeo(host: string, image: string, layoutRef: string, all = false): Promise<void> {
  const path = layoutRef.slice(layoutRef.indexOf(':') + 1).split(':')[0]!
  await mkdir(dirname(path), { recursive: true })
  const r = await skopeo([
    'copy',
    ...(all ? ['--all'] : []),
    '--src-tls-verify=false',
    `docker://${host}/${image}`,
    layoutRef,
  ])
  assert.equal(r.code, 0, `skopeo copy docker://${host}/${image} ${layoutRef}: ${r.stderr}`)
}

/** Pushes with skopeo to docker://HOST/IMAGE. */
export async function pushWithSkopeo(src: string, host: string, image: string, all = false): Promise<void> {
  const r = await skopeo([
    'copy',
    ...(all ? ['--all'] : []),
    '--dest-tls-verify=false',
    src,
    `docker://${host}/${image}`,
  ])
  assert.equal(r.code, 0, `skopeo copy ${src} docker://${host}/${image}: ${r.stderr}`)
}

/** A docker-registry config for `garbage-collect` on `root` (JSON is YAML). */
export async function writeGcConfig(path: string, root: string): Promise<void> {
  await writeFile(
    path,
    JSON.stringify({
      version: '0.1',
      log: { level: 'warn' },
      storage: { filesystem: { rootdirectory: root } },
      http: { addr: '127.0.0.1:0' },
    }),
  )
}

export { sha256 }
