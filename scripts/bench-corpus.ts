/**
 * The benchmark's registry corpus: ~100+ small images (40 repositories × 3 tags) sharing 4 base
 * layers, one repository with many tags, and one large image; built by hand (test fixtures) into
 * an OCI layout, then pushed once to a source docker-registry on 127.0.0.1 with skiff.
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeOciImage, type ImageSpec } from '../test/helpers/fixtures.js'
import { copyImage } from '../src/copy/copy.js'
import { createSharedCopyState } from '../src/copy/shared-state.js'
import { insecureAcceptAnythingPolicy } from '../src/policy/context.js'
import { mapLimit } from '../src/copy/limit.js'

/** Pseudo-random but compressible content (like real binaries), so gzip has work to do. */
export function layerData(bytes: number): Buffer {
  const block = randomBytes(64 * 1024)
  const out = Buffer.alloc(bytes)
  for (let off = 0; off < out.length; off += 128 * 1024) {
    block.copy(out, off, 0, Math.min(64 * 1024, out.length - off))
    if (off + 64 * 1024 < out.length) out.fill(off & 0xff, off + 64 * 1024, Math.min(off + 128 * 1024, out.length))
  }
  return out
}

export interface Corpus {
  /** `repo:tag` of every small image of the list (no registry). */
  list: string[]
  /** Repository with many tags (repo sync). */
  manyRepo: string
  manyTags: string[]
  /** The large image, `repo:tag`. */
  large: string
  /** Bytes of the distinct blobs of the list. */
  listBytes: number
}

export async function buildCorpus(
  work: string,
  opts: { images: number; manyTags: number; largeMib: number },
): Promise<{ layout: string; corpus: Corpus }> {
  const layout = join(work, 'corpus')
  const bases = [2048, 1024, 512, 256].map((k) => ({ 'base.bin': layerData(k * 1024) }))
  const distinct = new Map<string, number>()
  const small = (i: number, name: string): ImageSpec => ({
    layers: [
      { files: bases[i % bases.length]! },
      { files: { [`app/${name}.txt`]: `${name} ${randomBytes(2048).toString('base64')}` } },
    ],
    labels: { 'org.example.name': name },
  })
  const list: string[] = []
  for (let i = 0; i < opts.images; i++) {
    const ref = `bench/app${i % 40}:v${Math.floor(i / 40)}`
    const img = await writeOciImage(layout, ref.replace(/[/:]/g, '_'), small(i, ref))
    for (const l of img.layers) distinct.set(l.digest, l.size)
    distinct.set(img.configDigest, img.config.length)
    list.push(ref)
  }
  const manyTags: string[] = []
  for (let j = 0; j < opts.manyTags; j++) {
    const tag = `t${j}`
    await writeOciImage(layout, `many_${tag}`, small(j, `many:${tag}`))
    manyTags.push(tag)
  }
  const big = layerData(opts.largeMib * 1024 * 1024)
  await writeOciImage(layout, 'large', {
    layers: [
      { files: { 'a.bin': big } },
      { files: { 'b.bin': big.subarray(0, big.length / 2) } },
      { files: { 'c.bin': randomBytes(opts.largeMib * 1024 * 256) } },
    ],
  })
  const listBytes = [...distinct.values()].reduce((a, b) => a + b, 0)
  return { layout, corpus: { list, manyRepo: 'bench/many', manyTags, large: 'bench/large:1', listBytes } }
}

/** Pushes the corpus to the source registry (once per bench run). */
export async function pushCorpus(layout: string, c: Corpus, host: string): Promise<void> {
  const insecure = { registry: { tlsVerify: false } }
  const shared = createSharedCopyState()
  const pairs: Array<[string, string]> = [
    ...c.list.map((r): [string, string] => [r.replace(/[/:]/g, '_'), r]),
    ...c.manyTags.map((t): [string, string] => [`many_${t}`, `${c.manyRepo}:${t}`]),
    ['large', c.large],
  ]
  await mapLimit(pairs, 4, ([name, ref]) =>
    copyImage(`oci:${layout}:${name}`, `docker://${host}/${ref}`, {
      policy: insecureAcceptAnythingPolicy(),
      destination: insecure,
      shared,
    }),
  )
}

/** skopeo sync's YAML for the list (`--src yaml`). */
export async function writeSyncYaml(path: string, host: string, refs: string[]): Promise<void> {
  const byRepo = new Map<string, string[]>()
  for (const r of refs) {
    const i = r.lastIndexOf(':')
    const repo = r.slice(0, i)
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), r.slice(i + 1)])
  }
  const lines = [`${host}:`, '  tls-verify: false', '  images:']
  for (const [repo, tags] of byRepo) lines.push(`    ${repo}: [${tags.map((t) => JSON.stringify(t)).join(', ')}]`)
  await writeFile(path, `${lines.join('\n')}\n`)
}
