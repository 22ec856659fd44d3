import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { createProgress } from '../../src/cli/progress.js'
import type { CopyEvent } from '../../src/copy/events.js'

function sink(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  let buf = ''
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf += chunk.toString()
      cb()
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string }
  Object.assign(w, { isTTY, columns: 100, text: () => buf })
  return w
}

const L1 = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
const L2 = 'sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210'
const C = 'sha256:c0ffee0000000000000000000000000000000000000000000000000000000000'
const events: CopyEvent[] = [
  { type: 'start', source: 'oci:/a:x', destination: 'dir:/b' },
  { type: 'signatures-get' },
  { type: 'blob-start', kind: 'layer', digest: L1, size: 1000 },
  { type: 'blob-progress', digest: L1, bytes: 500 },
  { type: 'blob-done', kind: 'layer', digest: L1, size: 1000, reused: false },
  { type: 'blob-start', kind: 'layer', digest: L2, size: 10 },
  { type: 'blob-done', kind: 'layer', digest: L2, size: 10, reused: true },
  { type: 'blob-start', kind: 'config', digest: C, size: 5 },
  { type: 'blob-done', kind: 'config', digest: C, size: 5, reused: false },
  { type: 'manifest-write' },
  { type: 'signatures-store', count: 0 },
  { type: 'done', manifestDigest: L1 },
]

test("not on a TTY: skopeo's non-TTY lines only (full digests, one line per step as it starts)", () => {
  const out = sink(false)
  const p = createProgress({ out, quiet: false })
  for (const e of events) p.onEvent(e)
  p.finish()
  assert.equal(
    out.text(),
    [
      'Getting image source signatures',
      `Copying blob ${L1}`,
      `Copying blob ${L2}`,
      `Copying config ${C}`,
      'Writing manifest to image destination',
      'Storing signatures',
      '',
    ].join('\n'),
  )
})

test('on a TTY: bars redrawn in place, ending in the same final lines', () => {
  const out = sink(true)
  const p = createProgress({ out, quiet: false })
  for (const e of events) p.onEvent(e)
  p.finish()
  const text = out.text()
  assert.match(text, /\x1b\[2K/)
  const visible = text.replace(/\x1b\[\d*A/g, '').replace(/\r\x1b\[2K/g, '')
  assert.match(visible, /Copying blob 0123456789ab done\n/)
  assert.match(visible, /Copying blob fedcba987654 skipped: already exists\n/)
  assert.match(visible, /Writing manifest to image destination\nStoring signatures\n$/)
})

test('-q prints nothing', () => {
  const out = sink(false)
  const p = createProgress({ out, quiet: true })
  for (const e of events) p.onEvent(e)
  p.finish()
  assert.equal(out.text(), '')
})
