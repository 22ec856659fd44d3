/**
 * kill -9 at every phase of a copy to dir: (test/faults/helpers.ts: killSuite). Never a visible
 * partial image; the re-run succeeds and removes what the killed runs left. (oci: and
 * registry-storage: are kill9-oci and kill9-registry-storage: one destination kind per file, so
 * the kinds run in parallel.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bigImageFixture, checkBlobs, killSuite, runSkiff, stepKey, type Seen, type Step } from './helpers.js'

const f = bigImageFixture('dir')
const hex = (d: string): string => d.slice('sha256:'.length)

const dirTarget = (): string => join(f.work, 'dir-out', 'image')
async function inspectDir(deep: boolean): Promise<Seen> {
  const target = dirTarget()
  if (!existsSync(target)) return 'absent'
  if ((await readFile(join(target, 'version'), 'utf8')) !== 'Directory Transport Version: 1.1\n')
    throw new Error('dir: visible without a complete version file')
  const manifest = await readFile(join(target, 'manifest.json'))
  if (JSON.parse(manifest.toString()).layers.length !== f.img.layers.length)
    throw new Error('dir: the manifest is not the image')
  await checkBlobs(f.img, (d) => join(target, hex(d)), deep, 'dir')
  return 'complete'
}
/**
 * Replacing a complete dir: image renames the old one aside and then the new one in: a kill
 * between the two renames leaves no image until the next skiff run puts the old one back
 * (src/transports/dir/destination.ts). A known gap: the suite does not kill there; the test below does.
 */
const DIR_SWAP = /^rename .*\/dir-out\/\.image\.T\.tmp$/

test('kill -9 during dir: copies: the directory is absent or complete; the re-run removes the staging leftovers', async () => {
  await mkdir(join(f.work, 'dir-out')) // a dir: destination's parent must exist (as skopeo)
  await killSuite(
    {
      name: 'dir',
      dest: (phase) => `dir:${join(f.work, 'dir-out', phase === 'kill' ? 'image' : 'measured')}`,
      scanRoots: [join(f.work, 'dir-out')],
      inspect: inspectDir,
      skipSteps: DIR_SWAP,
    },
    { src: f.img.ref, work: f.work },
  )
})

test(
  'kill -9 between the two renames that replace a complete dir: image: the image stays visible',
  { todo: 'known gap: the target is absent until the next run restores .old' },
  async () => {
    const args = ['--insecure-policy', 'copy', '-q', f.img.ref, `dir:${dirTarget()}`]
    if (!existsSync(dirTarget())) assert.equal((await runSkiff(args)).code, 0)
    const traceFile = join(f.work, 'dir-swap-trace.json')
    assert.equal((await runSkiff(args, { env: { SKIFF_KILL_TRACE: traceFile } })).code, 0)
    const steps = (JSON.parse(await readFile(traceFile, 'utf8')) as { steps: Step[] }).steps
    const swap = steps.find((s) => DIR_SWAP.test(stepKey(s)))
    assert.ok(swap, 'the swap rename is in the trace')
    const r = await runSkiff(args, { env: { SKIFF_KILL_AT: swap.n } })
    assert.equal(r.signal, 'SIGKILL')
    assert.equal(await inspectDir(false), 'complete')
  },
)
