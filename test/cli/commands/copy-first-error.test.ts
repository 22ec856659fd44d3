/**
 * When one of several layers fails, the user sees that failure (e.g. "blob … is missing"), never the
 * AbortError of the sibling layers it stopped — with the default --image-parallel-copies, and in the
 * retry warnings too.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeOciImage, type ImageSpec } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { startProxy, startRegistry } from '../../helpers/registry/index.js'
import { skiff } from '../run-skiff.js'

/** Five layers of different sizes, so siblings are still in flight when the middle one fails. */
const FIVE_LAYERS: ImageSpec = {
  layers: [1, 2, 3, 4, 5].map((i) => ({
    files: { [`f${i}`]: Buffer.alloc(300_000 * i, i) },
    compression: 'none' as const,
  })),
}

function assertOneLine(stderr: string): void {
  assert.doesNotMatch(stderr, /aborted/i)
  assert.doesNotMatch(stderr, /^\s+at /m)
}

test('a missing middle layer of an oci: source is reported as missing (default parallelism), 3 runs', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', FIVE_LAYERS)
    const missing = img.layers[2]!.digest
    await rm(join(t, 'src', 'blobs', 'sha256', missing.slice(7)))
    for (let i = 0; i < 3; i++) {
      for (const dest of [`dir:${t}/out`, `oci:${t}/layout:x`]) {
        const r = await skiff(['--insecure-policy', 'copy', '-q', `oci:${t}/src:v1`, dest])
        assert.equal(r.code, 1, r.stderr)
        assert.equal(
          r.stderr,
          `skiff: oci:${t}/src:v1: blob ${missing} is missing from ${t}/src/blobs; the layout is incomplete\n`,
        )
        assertOneLine(r.stderr)
      }
    }
    assert.ok(!existsSync(join(t, 'out', 'manifest.json')))
    assert.ok(!existsSync(join(t, 'layout', 'index.json')))
  })
})

test('a missing middle layer of a dir: source is reported as missing (default parallelism)', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', FIVE_LAYERS)
    const full = await skiff(['--insecure-policy', 'copy', '-q', `oci:${t}/src:v1`, `dir:${t}/d`])
    assert.equal(full.code, 0, full.stderr)
    const missing = img.layers[2]!.digest
    await rm(join(t, 'd', missing.slice(7)))
    for (let i = 0; i < 3; i++) {
      const r = await skiff(['--insecure-policy', 'copy', `dir:${t}/d`, `oci:${t}/layout:x`])
      assert.equal(r.code, 1, r.stderr)
      assert.match(
        r.stderr,
        new RegExp(`\\nskiff: dir:${t}/d: blob ${missing} is missing from the directory; the image is incomplete\\n$`),
      )
      assertOneLine(r.stderr)
    }
    assert.ok(!existsSync(join(t, 'layout', 'index.json')))
  })
})

test('retry warnings and the final error name the failing layer, not the aborted siblings', async () => {
  const reg = await startRegistry()
  try {
    await withTempDir(async (t) => {
      const img = await writeOciImage(join(t, 'src'), 'v1', FIVE_LAYERS)
      const push = await skiff([
        '--insecure-policy',
        'copy',
        '-q',
        '--dest-tls-verify=false',
        `oci:${t}/src:v1`,
        `docker://${reg.host}/five:v1`,
      ])
      assert.equal(push.code, 0, push.stderr)
      // the registry holds the layers gzip-compressed: take the middle one's digest from its manifest
      const raw = await skiff(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/five:v1`])
      assert.equal(raw.code, 0, raw.stderr)
      const layers = JSON.parse(raw.stdout).layers as { digest: string }[]
      assert.equal(layers.length, img.layers.length)
      const failing = layers[2]!.digest
      // the middle layer's GET answers 503 every time; the other layers are fine
      const proxy = await startProxy(reg, {
        unavailable: { times: 1000, match: { method: 'GET', path: `/blobs/${failing}` } },
      })
      try {
        const r = await skiff(
          [
            '--insecure-policy',
            'copy',
            '--retry-times',
            '2',
            '--retry-delay',
            '10ms',
            '--src-tls-verify=false',
            `docker://${proxy.host}/five:v1`,
            `dir:${t}/out`,
          ],
          { timeoutMs: 120_000 },
        )
        assert.equal(r.code, 1, r.stderr)
        assertOneLine(r.stderr)
        const warnings = r.stderr.split('\n').filter((l) => l.startsWith('skiff: warning: attempt'))
        assert.equal(warnings.length, 2, r.stderr)
        for (const w of warnings) assert.match(w, /503|unavailable/i)
        const last = r.stderr.trimEnd().split('\n').at(-1)!
        assert.match(last, /^skiff: .*(503|unavailable)/i)
        assert.ok(!existsSync(join(t, 'out', 'manifest.json')))
      } finally {
        await proxy.close()
      }
    })
  } finally {
    await reg.close()
  }
})
