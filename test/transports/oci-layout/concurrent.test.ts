import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { run, skopeo, withTempDir, requireTool } from '../../helpers/tools.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { blobPath, copy } from '../../helpers/skiff.js'
import { acquireLock } from '../../../src/util/lock.js'
import { writeFileAtomic } from '../../../src/util/atomic.js'
import { LOCK_FILE } from '../../../src/transports/oci-layout/layout.js'

const WRITER = fileURLToPath(new URL('./concurrent-writer.ts', import.meta.url))

function runWriter(
  fixture: string,
  layout: string,
  tags: string[],
): { done: Promise<{ code: number | null; stderr: string }>; exited: () => boolean } {
  let exited = false
  const done = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, fixture, layout, ...tags], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      exited = true
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
  return { done, exited: () => exited }
}

/**
 * Two writer processes and a third party that holds the index lock while both writers reach their
 * first commit, then does its own read-modify-write of index.json. The lock is the barrier: with
 * it, neither writer can touch index.json while it is held, so nothing is lost; without it, both
 * writers write during the hold and the third party's write (from the index it read when it took
 * the lock) drops their entries, every time, not only when two commits happen to overlap.
 */
test('two processes adding images to one oci layout at the same time lose no index.json entry', async () => {
  requireTool('umoci')
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    const n = 4
    const a = Array.from({ length: n }, (_, i) => `a${i}`)
    const b = Array.from({ length: n }, (_, i) => `b${i}`)
    const digests = new Map<string, string>()
    for (const tag of ['seed', ...a, ...b])
      digests.set(tag, (await writeOciImage(fixture, tag, smallImage(tag))).manifestDigest)
    const layout = join(tmp, 'shared-layout')
    await copy(`oci:${fixture}:seed`, `oci:${layout}:seed`)

    const lock = await acquireLock(join(layout, LOCK_FILE))
    let released = false
    const writers = [runWriter(fixture, layout, a), runWriter(fixture, layout, b)]
    try {
      const held = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'))
      // Both writers have stored their first manifest: the next thing each does is its commit.
      const firstManifests = [a[0]!, b[0]!].map((t) => blobPath(layout, digests.get(t)!))
      for (let i = 0; !firstManifests.every((p) => existsSync(p)); i++) {
        if (writers.some((w) => w.exited()) || i > 6000) break
        await sleep(10)
      }
      // While the lock is held no writer can get past its first commit, so none can have finished.
      for (const w of writers.filter((w) => w.exited())) {
        const r = await w.done
        assert.fail(
          `a writer finished (exit ${r.code}) while another process held the index lock${r.stderr ? `: ${r.stderr}` : ''}`,
        )
      }
      assert.ok(
        firstManifests.every((p) => existsSync(p)),
        'both writers reached their first commit',
      )
      // Give a writer that ignores the lock time to finish its commits (one that respects it waits).
      for (let i = 0; i < 100 && !writers.every((w) => w.exited()); i++) await sleep(10)
      held.manifests.push({ ...held.manifests[0], annotations: { 'org.opencontainers.image.ref.name': 'held' } })
      await writeFileAtomic(join(layout, 'index.json'), JSON.stringify(held))
      await lock.release()
      released = true
    } finally {
      if (!released) await lock.release()
      await Promise.all(writers.map((w) => w.done)) // before the temp dir goes
    }
    const results = await Promise.all(writers.map((w) => w.done))
    for (const r of results) assert.equal(r.code, 0, r.stderr)
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'))
    const byName = new Map<string, string>(
      index.manifests.map((m: any) => [m.annotations['org.opencontainers.image.ref.name'], m.digest]),
    )
    digests.set('held', digests.get('seed')!)
    assert.equal(index.manifests.length, 2 * n + 2, `entries: ${[...byName.keys()].join(' ')}`)
    assert.deepEqual(byName, digests)
    // every image is complete and readable by the oracles
    for (const tag of [a[n - 1]!, b[0]!]) {
      const s = await run('umoci', ['stat', '--image', `${layout}:${tag}`])
      assert.equal(s.code, 0, s.stderr)
      const r = await skopeo(['inspect', '--raw', `oci:${layout}:${tag}`])
      assert.equal(r.code, 0, r.stderr)
    }
  })
})
