import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  bulkProgressMode,
  createBulkProgress,
  humanBytes,
  humanDuration,
  type BulkProgressMode,
} from '../../src/cli/bulk-progress.js'
import type { SyncEvent } from '../../src/sync/events.js'
import type { ImageResult, SyncSummary } from '../../src/sync/types.js'
import { run, withTempDir } from '../helpers/tools.js'

const MiB = 1024 * 1024

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/

function harness(mode: BulkProgressMode, extra: { columns?: number; statusEveryMs?: number } = {}) {
  let t = 1_000_000
  let text = ''
  const out = { write: (s: string) => (text += s), ...(extra.columns ? { columns: extra.columns } : {}) }
  const p = createBulkProgress({
    mode,
    out,
    now: () => t,
    timer: false,
    ...(extra.statusEveryMs ? { statusEveryMs: extra.statusEveryMs } : {}),
  })
  return {
    p,
    advance: (ms: number) => (t += ms),
    get text() {
      return text
    },
    reset: () => (text = ''),
  }
}

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`
const result = (index: number, r: Partial<ImageResult> & Pick<ImageResult, 'result'>): ImageResult => ({
  index,
  source: `docker://src/app${index}:v1`,
  destination: `docker://dst/app${index}:v1`,
  bytesCopied: 0,
  bytesReused: 0,
  ms: 1500,
  ...r,
})

/** Three images: one copied (10 MiB sent, 2 MiB reused), one skipped, one failed. */
function scenario(h: ReturnType<typeof harness>): void {
  const ev = (e: SyncEvent) => h.p.onEvent(e)
  for (let i = 1; i <= 3; i++)
    ev({
      type: 'image-planned',
      index: i,
      source: `docker://src/app${i}:v1`,
      destination: `docker://dst/app${i}:v1`,
      label: `app${i}:v1`,
      planned: i,
    })
  ev({ type: 'plan-done', total: 3 })
  ev({ type: 'image-start', index: 1, source: 's', destination: 'd', label: 'app1:v1' })
  ev({ type: 'image-start', index: 2, source: 's', destination: 'd', label: 'app2:v1' })
  ev({ type: 'copy', index: 1, event: { type: 'blob-start', kind: 'layer', digest: d(1), size: 10 * MiB } })
  ev({ type: 'copy', index: 1, event: { type: 'blob-start', kind: 'layer', digest: d(2), size: 2 * MiB } })
  ev({ type: 'copy', index: 1, event: { type: 'blob-done', kind: 'layer', digest: d(2), size: 2 * MiB, reused: true } })
  ev({ type: 'copy', index: 1, event: { type: 'blob-progress', digest: d(1), bytes: 5 * MiB } })
  h.advance(1000)
  h.p.tick()
  ev({
    type: 'copy',
    index: 1,
    event: { type: 'blob-done', kind: 'layer', digest: d(1), size: 10 * MiB, reused: false },
  })
  ev({
    type: 'image-done',
    label: 'app1:v1',
    done: 1,
    total: 3,
    ...result(1, { result: 'copied', digest: d(7), bytesCopied: 10 * MiB, bytesReused: 2 * MiB }),
  })
  ev({
    type: 'image-done',
    label: 'app2:v1',
    done: 2,
    total: 3,
    ...result(2, { result: 'skipped', reason: 'present', digest: d(8) }),
  })
  h.advance(5000)
  h.p.tick()
  ev({ type: 'image-start', index: 3, source: 's', destination: 'd', label: 'app3:v1' })
  ev({
    type: 'image-done',
    label: 'app3:v1',
    done: 3,
    total: 3,
    ...result(3, { result: 'failed', error: 'docker://src/app3:v1: manifest unknown' }),
  })
  const summary: SyncSummary = {
    images: [],
    copied: 1,
    skipped: 1,
    failed: 1,
    notStarted: 0,
    bytesCopied: 10 * MiB,
    bytesReused: 2 * MiB,
    ms: 6000,
    sources: 1,
  }
  ev({ type: 'sync-done', summary })
}

describe('bulk progress renderer', () => {
  it('formats sizes and durations', () => {
    assert.equal(humanBytes(0), '0 B')
    assert.equal(humanBytes(1536), '1.5 KiB')
    assert.equal(humanBytes(812 * MiB), '812 MiB')
    assert.equal(humanDuration(3.21), '3.2s')
    assert.equal(humanDuration(75), '1m15s')
    assert.equal(humanDuration(3 * 3600 + 120), '3h02m')
  })

  it('chooses the mode from --progress and whether stderr is a TTY', () => {
    assert.equal(bulkProgressMode(undefined, false), 'lines')
    assert.equal(bulkProgressMode('json', true), 'json')
    assert.equal(bulkProgressMode('plain', true), 'lines')
    assert.equal(bulkProgressMode('none', true), 'none')
  })

  it('not a TTY: a line per finished image, status lines every few seconds, a summary, no control codes', () => {
    const h = harness('lines', { statusEveryMs: 5000 })
    scenario(h)
    const lines = h.text.trimEnd().split('\n')
    assert.ok(!CONTROL.test(h.text.replace(/\n/g, '')), 'no control codes')
    assert.match(lines[0]!, /^\[1\/3\] copied  app1:v1 sha256:777777777777 \(10\.0 MiB sent, 2\.0 MiB reused, 1\.5s\)$/)
    assert.match(lines[1]!, /^\[2\/3\] skipped app2:v1: already present/)
    // 6 s after the start: one status line (the first tick at 1 s was too early)
    assert.equal(lines[2], 'Progress: 2/3 images, 10.0 MiB copied, 2.0 MiB reused, 1.7 MiB/s')
    assert.equal(lines[3], '[3/3] failed  app3:v1: docker://src/app3:v1: manifest unknown')
    assert.equal(
      lines[4],
      'Summary: 1 copied, 1 skipped, 1 failed; 10.0 MiB copied, 2.0 MiB reused in 6.0s (1.7 MiB/s)',
    )
    assert.equal(lines.length, 5)
  })

  it('counts bytes of images in flight in the status line', () => {
    const h = harness('lines', { statusEveryMs: 1000 })
    h.p.onEvent({ type: 'plan-done', total: 4 })
    h.p.onEvent({ type: 'image-start', index: 1, source: 's', destination: 'd', label: 'a' })
    h.p.onEvent({ type: 'copy', index: 1, event: { type: 'blob-start', kind: 'layer', digest: d(1), size: 8 * MiB } })
    h.p.onEvent({ type: 'copy', index: 1, event: { type: 'blob-progress', digest: d(1), bytes: 4 * MiB } })
    h.advance(2000)
    h.p.tick()
    assert.equal(h.text, 'Progress: 0/4 images, 4.0 MiB copied, 0 B reused, 2.0 MiB/s\n')
    h.reset()
    h.p.finish()
    assert.match(h.text, /^Summary: 0 copied, 0 skipped, 0 failed, 4 not started; 4\.0 MiB copied/)
  })

  it('TTY: bars per image in flight and a total line, redrawn in place', () => {
    const h = harness('tty', { columns: 100 })
    h.p.onEvent({ type: 'plan-done', total: 10 })
    h.p.onEvent({ type: 'image-start', index: 1, source: 's', destination: 'd', label: 'team/app:v1' })
    h.p.onEvent({ type: 'copy', index: 1, event: { type: 'blob-start', kind: 'layer', digest: d(1), size: 10 * MiB } })
    h.p.onEvent({ type: 'copy', index: 1, event: { type: 'blob-progress', digest: d(1), bytes: 5 * MiB } })
    h.advance(1000)
    h.p.tick()
    const first = h.text
    assert.match(first, /team\/app:v1 +\[=========> {10}\] 5\.0 MiB \/ 10\.0 MiB\x1b\[K\n/)
    assert.match(first, /Images 0\/10 · 5\.0 MiB copied · 0 B reused · 5\.0 MiB\/s\x1b\[K\n$/)
    h.reset()
    h.advance(1000)
    h.p.tick()
    assert.ok(h.text.startsWith('\x1b[2A\x1b[J'), 'moves up over the two live lines and clears them')
    h.reset()
    h.p.onEvent({
      type: 'image-done',
      label: 'team/app:v1',
      done: 1,
      total: 10,
      ...result(1, { result: 'copied', digest: d(3), bytesCopied: 10 * MiB }),
    })
    assert.match(h.text, /^\x1b\[2A\x1b\[J\[1\/10\] copied  team\/app:v1 .*\nImages 1\/10 .* ETA /)
    for (const line of h.text.split('\n')) assert.ok(line.replace(/\x1b\[[0-9]*[AJK]/g, '').length <= 99)
    h.reset()
    h.p.finish()
    assert.match(h.text, /^\x1b\[1A\x1b\[JSummary: 1 copied, 0 skipped, 0 failed, 9 not started/)
  })

  it('json: every event as one NDJSON line, nothing else', () => {
    const h = harness('json')
    scenario(h)
    const lines = h.text.trimEnd().split('\n')
    const events = lines.map((l) => JSON.parse(l) as SyncEvent)
    assert.equal(events.length, 16)
    assert.equal(events.at(-1)!.type, 'sync-done')
    assert.deepEqual(
      events.filter((e) => e.type === 'image-done').map((e) => (e as { result: string }).result),
      ['copied', 'skipped', 'failed'],
    )
  })

  it('none: only failures and the summary', () => {
    const h = harness('none')
    scenario(h)
    const lines = h.text.trimEnd().split('\n')
    assert.equal(lines.length, 2)
    assert.match(lines[0]!, /failed  app3:v1/)
    assert.match(lines[1]!, /^Summary: /)
  })

  it('on a real terminal (script) the auto mode draws in place; through a pipe it prints plain lines', async () => {
    await withTempDir(async (dir) => {
      const mod = fileURLToPath(new URL('../../src/cli/bulk-progress.ts', import.meta.url))
      const driver = join(dir, 'driver.mts')
      await writeFile(
        driver,
        `import { bulkProgressMode, createBulkProgress } from ${JSON.stringify(mod)}
const p = createBulkProgress({ mode: bulkProgressMode(undefined, process.stderr.isTTY), out: process.stderr, redrawEveryMs: 20, statusEveryMs: 20 })
p.onEvent({ type: 'plan-done', total: 2 })
p.onEvent({ type: 'image-start', index: 1, source: 's', destination: 'd', label: 'a:v1' })
p.onEvent({ type: 'copy', index: 1, event: { type: 'blob-start', kind: 'layer', digest: 'sha256:' + 'a'.repeat(64), size: 1000 } })
await new Promise((r) => setTimeout(r, 120))
p.onEvent({ type: 'image-done', label: 'a:v1', done: 1, total: 2, index: 1, source: 's', destination: 'd', result: 'copied', digest: 'sha256:' + 'b'.repeat(64), bytesCopied: 1000, bytesReused: 0, ms: 100 })
p.finish()
`,
      )
      const node = `${process.execPath} --import tsx ${driver}`
      const tty = await run('script', ['-qec', node, '/dev/null'], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
      })
      assert.equal(tty.code, 0, tty.stderr + tty.stdout)
      assert.match(tty.stdout, /\x1b\[\d+A\x1b\[J/, 'cursor movement on a TTY')
      assert.match(tty.stdout, /Images 0\/2/)
      const piped = await run(process.execPath, ['--import', 'tsx', driver], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
      })
      assert.equal(piped.code, 0, piped.stderr)
      assert.ok(!CONTROL.test(piped.stderr.replace(/\n/g, '')), `no control codes: ${JSON.stringify(piped.stderr)}`)
      assert.match(piped.stderr, /^Progress: 0\/2 images/m)
      assert.match(piped.stderr, /^\[1\/2\] copied  a:v1 /m)
      assert.match(piped.stderr, /^Summary: 1 copied, 0 skipped, 0 failed, 1 not started/m)
    })
  })
})

describe('bulk progress: --dry-run', () => {
  it("prints skopeo's log line per image in plan order, whatever order the checks finish in; failures as a real sync", () => {
    let text = ''
    const p = createBulkProgress({
      mode: 'lines',
      out: { write: (s: string) => (text += s) },
      timer: false,
      dryRun: true,
    })
    for (let i = 0; i < 4; i++)
      p.onEvent({
        type: 'image-planned',
        index: i,
        source: `docker://src/app:${i}`,
        destination: `dir:out/app:${i}`,
        label: `app:${i}`,
        planned: i + 1,
      })
    p.onEvent({ type: 'plan-done', total: 4 })
    const done = (index: number, n: number, r: Partial<ImageResult> & Pick<ImageResult, 'result'>) =>
      p.onEvent({
        type: 'image-done',
        label: `app:${index}`,
        done: n,
        total: 4,
        position: { n: index + 1, of: 4 },
        ...result(index, r),
        source: `docker://src/app:${index}`,
        destination: `dir:out/app:${index}`,
      })
    done(2, 1, { result: 'skipped', reason: 'dry-run' })
    assert.equal(text, '', 'waits for the images planned before it')
    done(0, 2, { result: 'skipped', reason: 'present', digest: d(1) })
    done(1, 3, { result: 'failed', error: 'docker://src/app:1: reading manifest 1: image not found' })
    // image 3 never ran (stopped at the first failure): the others are still printed, in order, at the end
    p.finish()
    const lines = text.trim().split('\n')
    assert.match(
      lines[0]!,
      /^time="[^"]+" level=info msg="Would have skipped image ref 1\/4: already present at the destination" digest="sha256:1{64}" from="docker:\/\/src\/app:0" to="dir:out\/app:0"$/,
    )
    assert.equal(lines[1], '[3/4] failed  app:1: docker://src/app:1: reading manifest 1: image not found')
    assert.match(
      lines[2]!,
      /^time="[^"]+" level=info msg="Would have copied image ref 3\/4" from="docker:\/\/src\/app:2" to="dir:out\/app:2"$/,
    )
    assert.match(lines[3]!, /^Summary: /)
    assert.equal(lines.length, 4)
  })
})
