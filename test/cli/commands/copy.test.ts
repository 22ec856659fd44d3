import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { run, skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

test('copy: progress on stderr, nothing on stdout, --digestfile without a newline', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'src')
    const img = await writeOciImage(layout, 'v1', smallImage('cp'))
    const digestFile = join(dir, 'digest')
    const r = await skiff([
      '--insecure-policy',
      'copy',
      '--digestfile',
      digestFile,
      `oci:${layout}:v1`,
      `dir:${join(dir, 'out')}`,
    ])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^Getting image source signatures\n/)
    // skopeo's non-TTY lines (its progress goes to stdout; skiff keeps stdout for data)
    assert.equal(
      r.stderr,
      [
        'Getting image source signatures',
        ...img.layers.map((l) => `Copying blob ${l.digest}`),
        `Copying config ${img.configDigest}`,
        'Writing manifest to image destination',
        'Storing signatures',
        '',
      ].join('\n'),
    )
    const written = await readFile(join(dir, 'out', 'manifest.json'))
    assert.equal(await readFile(digestFile, 'utf8'), sha256(written))
    const check = await skopeo(['inspect', '--raw', `dir:${join(dir, 'out')}`])
    assert.equal(check.stdout, written.toString())
  })
})

test('copy -q is silent; a second copy to the same oci layout reports reused blobs', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'src')
    await writeOciImage(layout, 'v1', smallImage('q'))
    const q = await skiff(['--insecure-policy', 'copy', '-q', `oci:${layout}:v1`, `oci:${join(dir, 'dst')}:a`])
    assert.equal(q.code, 0, q.stderr)
    assert.equal(q.stdout + q.stderr, '')
    const again = await skiff(['--insecure-policy', 'copy', `oci:${layout}:v1`, `oci:${join(dir, 'dst')}:b`])
    assert.equal(again.code, 0, again.stderr)
    // without a terminal skopeo prints reused blobs like copied ones
    assert.match(again.stderr, /^Copying blob sha256:[0-9a-f]{64}\n/m)
  })
})

test('copy: a missing source exits 2 and leaves no destination', async () => {
  await withTempDir(async (dir) => {
    const r = await skiff(['--insecure-policy', 'copy', `oci:${join(dir, 'nope')}:x`, `dir:${join(dir, 'out')}`])
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^skiff: [^\n]+\n$/)
    assert.ok(!existsSync(join(dir, 'out', 'manifest.json')))
  })
})

test('copy: --command-timeout aborts with a clear message and exit 1', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'src')
    await writeOciImage(layout, 'v1', smallImage('t'))
    const r = await skiff([
      '--insecure-policy',
      '--command-timeout',
      '1ns',
      'copy',
      `oci:${layout}:v1`,
      `oci:${join(dir, 'dst')}:v1`,
    ])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /skiff: command timed out after [^\n]*\(--command-timeout/)
    assert.ok(!existsSync(join(dir, 'dst', 'index.json')), 'nothing visible at the destination')
  })
})

test('copy: signing with a key the keyring does not have fails before anything is copied', async () => {
  await withTempDir(async (dir) => {
    const r = await skiff([
      '--insecure-policy',
      'copy',
      '--sign-by',
      'ABCD',
      'oci:examples/hello:latest',
      `dir:${dir}/b`,
    ])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^skiff: oci:examples\/hello:latest: creating signature: key "ABCD" not found\n$/)
    assert.equal(existsSync(join(dir, 'b')), false)
  })
})

test('copy: a corrupt layer is a one-line digest-mismatch error naming it, exit 1, no stack trace, nothing written', async () => {
  await withTempDir(async (dir) => {
    // The corrupt layer is the second: the first one's write is aborted when it fails (that abort
    // once crashed the process with an unhandled 'error' event, and was reported instead of the cause).
    const layout = join(dir, 'src')
    const img = await writeOciImage(
      layout,
      'v1',
      smallImage('bad', {
        layers: [
          { files: { 'ok.txt': 'fine\n' } },
          { files: { 'b.txt': 'plain layer content\n' }, compression: 'none' },
        ],
      }),
    )
    const bad = img.layers[1]!.digest
    const p = join(layout, 'blobs', 'sha256', bad.slice(7))
    const bytes = await readFile(p)
    bytes[512] ^= 0x01 // file content inside the tar: only the digest check can tell
    await writeFile(p, bytes)
    for (const dest of [`oci:${join(dir, 'o')}:v1`, `dir:${join(dir, 'd')}`]) {
      const r = await skiff(['--insecure-policy', 'copy', `oci:${layout}:v1`, dest])
      assert.equal(r.code, 1, r.stderr)
      assert.match(
        r.stderr,
        new RegExp(
          `^Getting image source signatures\\n(Copying blob sha256:[0-9a-f]{64}\\n)*skiff: oci:${layout}:v1: layer ${bad}: digest mismatch: expected ${bad}, got sha256:[0-9a-f]{64}; the source is corrupt or was modified while reading\\n$`,
        ),
      )
    }
    assert.ok(!existsSync(join(dir, 'o', 'index.json')))
    assert.ok(!existsSync(join(dir, 'd', 'manifest.json')))
  })
})

test('copy: an upper-case repository (even its first component) is refused as skopeo 1.9.3 refuses it', async () => {
  for (const image of ['docker://Foo/bar:1', 'docker://UPPER/x']) {
    const theirs = await run('skopeo', ['--insecure-policy', 'copy', image, 'dir:/nonexistent/out'])
    assert.equal(theirs.code, 1)
    assert.match(theirs.stderr, /repository name must be lowercase/)
    const r = await skiff(['--insecure-policy', 'copy', image, 'dir:/nonexistent/out'])
    assert.notEqual(r.code, 0, r.stderr)
    assert.match(r.stderr, /^skiff: [^\n]*repository name must be lowercase[^\n]*\n$/)
  }
})
