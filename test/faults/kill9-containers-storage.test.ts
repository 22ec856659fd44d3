/**
 * kill -9 of `skiff copy … containers-storage:…` at every phase of the write (kill-hook.mjs with
 * SKIFF_KILL_SPAWN=1 counts each program skiff starts as a step): while blobs are staged, before and
 * during each `import-layer`, before the commit script and while it runs. After each kill, and once
 * the programs that run on are done, podman must still list the store (one half-written image
 * record breaks `podman images` for every image), every image it lists must be whole, and ours is
 * either absent or complete with the right manifest. A last unkilled run succeeds and leaves no temp
 * entry behind. One vfs store for the whole file.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeTestStore, type TestStore } from '../helpers/containers-storage.js'
import { writeOciImage, type BuiltImage } from '../helpers/fixtures.js'
import { runSkiff, type Step } from './helpers.js'

/** Processes (other than us) whose command line names `dir`: the programs a killed run left running. */
function processesUsing(dir: string): number[] {
  const out: number[] = []
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir)) out.push(Number(p))
    } catch {
      // gone
    }
  }
  return out
}

async function settle(dir: string): Promise<void> {
  for (let i = 0; i < 400 && processesUsing(dir).length > 0; i++) await new Promise((r) => setTimeout(r, 25))
  assert.deepEqual(processesUsing(dir), [], 'the programs started by the killed run finished')
}

describe('kill -9 during a write into containers-storage', { timeout: 300_000 }, () => {
  let store: TestStore
  let img: BuiltImage
  let layout: string
  let tmp: string
  const name = 'localhost/killed:v1'
  const args = (): string[] => ['--insecure-policy', 'copy', '-q', '--tmpdir', tmp, `oci:${layout}:v1`, store.ref(name)]

  before(async () => {
    store = await makeTestStore('vfs')
    layout = join(store.dir, 'layout')
    tmp = join(store.dir, 'tmp')
    await mkdir(tmp)
    img = await writeOciImage(layout, 'v1', {
      layers: [
        { files: { 'a.txt': 'a'.repeat(200_000) } },
        { files: { 'b.txt': 'b'.repeat(200_000), '.wh.a.txt': '' } },
        { files: { 'c.txt': 'c\n' } },
      ],
    })
  })

  after(async () => {
    await store?.close()
  })

  /** 'absent' or 'complete'; fails when podman cannot list the store or an image is not whole. */
  async function check(): Promise<'absent' | 'complete'> {
    const list = await store.podman(['images', '--format', 'json'])
    assert.equal(list.code, 0, `podman images still works: ${list.stderr}`)
    const raw = await store.cs(['images', '--json'])
    const records = (JSON.parse(raw.stdout.trim() || 'null') ?? []) as {
      id: string
      names?: string[]
      'big-data-names'?: string[]
    }[]
    for (const r of records) {
      assert.ok(r['big-data-names']?.includes('manifest'), `image ${r.id} has its manifest`)
      const insp = await store.podman(['image', 'inspect', r.id])
      assert.equal(insp.code, 0, `podman image inspect ${r.id}: ${insp.stderr}`)
    }
    const ours = records.find((r) => r.names?.includes(name))
    if (!ours) return 'absent'
    assert.equal(ours.id, img.configDigest.slice(7))
    const m = await store.cs(['get-image-data', ours.id, 'manifest'])
    assert.equal(m.stdout, img.manifest.toString('utf8'))
    return 'complete'
  }

  it('leaves the image absent or complete, never half-written; a re-run completes it', async () => {
    const tracePath = join(store.dir, 'trace.json')
    // The plan comes from a traced run into a scratch store (the real one must start empty).
    const scratch = await makeTestStore('vfs')
    try {
      const traced = await runSkiff(
        ['--insecure-policy', 'copy', '-q', '--tmpdir', tmp, `oci:${layout}:v1`, scratch.ref(name)],
        { env: { SKIFF_KILL_TRACE: tracePath, SKIFF_KILL_SPAWN: '1' } },
      )
      assert.equal(traced.code, 0, traced.stderr)
    } finally {
      await scratch.close()
    }
    const steps = (JSON.parse(await readFile(tracePath, 'utf8')) as { steps: Step[] }).steps
    const spawnAt = (re: RegExp): string[] => steps.filter((s) => s.kind === 'spawn' && re.test(s.what)).map((s) => s.n)
    const imports = spawnAt(/ import-layer /)
    const [commit] = spawnAt(/^sh -c /)
    assert.equal(imports.length, 3, 'one import per layer')
    assert.ok(commit, 'the commit script runs')
    const plan = [
      'd:1', // a blob half staged
      imports[0]!, // every blob staged, nothing in the store
      `${imports[1]!}+15ms`, // the second layer being applied
      commit!, // every layer in, no image record yet
      `${commit!}+0ms`, // the commit script just started
      `${commit!}+40ms`, // the commit script half way
    ]
    const seen: string[] = []
    for (const at of plan) {
      const r = await runSkiff(args(), { env: { SKIFF_KILL_AT: at, SKIFF_KILL_SPAWN: '1' } })
      assert.equal(r.signal, 'SIGKILL', `killed at ${at}: ${r.stderr}`)
      await settle(store.graphRoot)
      const state = await check()
      seen.push(`${at} ${state}`)
      // Start from an empty store again (layers a kill left would be reused and shift the steps).
      const wipe = await store.cs(['wipe'])
      assert.equal(wipe.code, 0, wipe.stderr)
    }
    // Killing skiff before its commit script started leaves no image; once it started, the script
    // finishes on its own and the image is complete.
    assert.deepEqual(
      seen.map((s) => s.split(' ')[1]),
      ['absent', 'absent', 'absent', 'absent', 'complete', 'complete'],
      seen.join('\n'),
    )
    const done = await runSkiff(args())
    assert.equal(done.code, 0, done.stderr)
    assert.equal(await check(), 'complete')
    // The killed runs' staging folders are swept by the next run that uses the same --tmpdir.
    assert.deepEqual(await readdir(tmp), [])
  })
})
