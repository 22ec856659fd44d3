/**
 * kill -9 at every phase of a copy to dir:, oci: and registry-storage: (test/faults/helpers.ts:
 * killSuite). Never a visible partial image; the re-run succeeds and removes what the killed runs
 * left.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildBigImage,
  checkBlobs,
  fileSize,
  killSuite,
  runSkiff,
  sha256File,
  stepKey,
  type BigImage,
  type Seen,
  type Step,
} from './helpers.js'

let work: string
let img: BigImage

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-test-kill9-local-'))
  img = await buildBigImage(work)
})
after(async () => {
  await rm(work, { recursive: true, force: true })
})

const hex = (d: string): string => d.slice('sha256:'.length)

const dirTarget = (): string => join(work, 'dir-out', 'image')
async function inspectDir(deep: boolean): Promise<Seen> {
  const target = dirTarget()
  if (!existsSync(target)) return 'absent'
  if ((await readFile(join(target, 'version'), 'utf8')) !== 'Directory Transport Version: 1.1\n')
    throw new Error('dir: visible without a complete version file')
  const manifest = await readFile(join(target, 'manifest.json'))
  if (JSON.parse(manifest.toString()).layers.length !== img.layers.length)
    throw new Error('dir: the manifest is not the image')
  await checkBlobs(img, (d) => join(target, hex(d)), deep, 'dir')
  return 'complete'
}
/**
 * Replacing a complete dir: image renames the old one aside and then the new one in: a kill
 * between the two renames leaves no image until the next skiff run puts the old one back
 * (src/transports/dir/destination.ts). A known gap: the suite does not kill there; the test below does.
 */
const DIR_SWAP = /^rename .*\/dir-out\/\.image\.T\.tmp$/

test('kill -9 during dir: copies: the directory is absent or complete; the re-run removes the staging leftovers', async () => {
  await mkdir(join(work, 'dir-out')) // a dir: destination's parent must exist (as skopeo)
  await killSuite(
    {
      name: 'dir',
      dest: (phase) => `dir:${join(work, 'dir-out', phase === 'kill' ? 'image' : 'measured')}`,
      scanRoots: [join(work, 'dir-out')],
      inspect: inspectDir,
      skipSteps: DIR_SWAP,
    },
    { src: img.ref, work },
  )
})

test(
  'kill -9 between the two renames that replace a complete dir: image: the image stays visible',
  { todo: 'known gap: the target is absent until the next run restores .old' },
  async () => {
    const args = ['--insecure-policy', 'copy', '-q', img.ref, `dir:${dirTarget()}`]
    if (!existsSync(dirTarget())) assert.equal((await runSkiff(args)).code, 0)
    const traceFile = join(work, 'dir-swap-trace.json')
    assert.equal((await runSkiff(args, { env: { SKIFF_KILL_TRACE: traceFile } })).code, 0)
    const steps = (JSON.parse(await readFile(traceFile, 'utf8')) as { steps: Step[] }).steps
    const swap = steps.find((s) => DIR_SWAP.test(stepKey(s)))
    assert.ok(swap, 'the swap rename is in the trace')
    const r = await runSkiff(args, { env: { SKIFF_KILL_AT: swap.n } })
    assert.equal(r.signal, 'SIGKILL')
    assert.equal(await inspectDir(false), 'complete')
  },
)

test('kill -9 during oci: copies: the tag is absent or complete; the re-run removes blob temp files', async () => {
  const layout = join(work, 'oci-out')
  await killSuite(
    {
      name: 'oci',
      dest: (phase) => `oci:${layout}:${phase === 'kill' ? 'big' : 'measured'}`,
      scanRoots: [layout],
      async inspect(deep): Promise<Seen> {
        let index
        try {
          index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'))
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
          throw new Error(`oci: index.json is unreadable: ${(e as Error).message}`, { cause: e })
        }
        const entry = index.manifests.find(
          (m: { annotations?: Record<string, string> }) =>
            m.annotations?.['org.opencontainers.image.ref.name'] === 'big',
        )
        if (!entry) return 'absent'
        if (entry.digest !== img.manifestDigest) throw new Error(`oci: the tag names ${entry.digest}, not the image`)
        const blob = (d: string): string => join(layout, 'blobs', 'sha256', hex(d))
        if ((await fileSize(blob(img.manifestDigest))) === undefined)
          throw new Error('oci: the tag is visible but its manifest blob is missing')
        if (deep && (await sha256File(blob(img.manifestDigest))) !== img.manifestDigest)
          throw new Error('oci: the manifest blob is corrupt')
        await checkBlobs(img, blob, deep, 'oci')
        return 'complete'
      },
    },
    { src: img.ref, work },
  )
})

test('kill -9 during registry-storage: copies: the tag is absent or complete; the re-run removes _uploads leftovers', async () => {
  const root = join(work, 'store')
  const v2 = join(root, 'docker', 'registry', 'v2')
  const repo = join(v2, 'repositories', 'library', 'big')
  await killSuite(
    {
      name: 'registry-storage',
      dest: (phase) => `registry-storage:${root}:library/big:${phase === 'kill' ? '1' : 'measured'}`,
      scanRoots: [root],
      async inspect(deep): Promise<Seen> {
        let current: string
        try {
          current = await readFile(join(repo, '_manifests', 'tags', '1', 'current', 'link'), 'utf8')
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
          throw e
        }
        if (current !== img.manifestDigest) throw new Error(`registry-storage: the tag links ${current}`)
        const data = (d: string): string => join(v2, 'blobs', 'sha256', hex(d).slice(0, 2), hex(d), 'data')
        if ((await readFile(join(repo, '_manifests', 'revisions', 'sha256', hex(current), 'link'), 'utf8')) !== current)
          throw new Error('registry-storage: no revision link')
        if ((await fileSize(data(current))) === undefined)
          throw new Error('registry-storage: the tag is visible but the manifest data is missing')
        for (const l of [...img.layers.map((x) => x.digest), img.configDigest]) {
          if ((await readFile(join(repo, '_layers', 'sha256', hex(l), 'link'), 'utf8')) !== l)
            throw new Error(`registry-storage: ${l} is not linked`)
        }
        await checkBlobs(img, data, deep, 'registry-storage')
        return 'complete'
      },
    },
    { src: img.ref, work },
  )
})
