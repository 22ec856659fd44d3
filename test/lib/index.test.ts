import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import {
  copyImage,
  inspectImage,
  getRawManifest,
  getRawConfig,
  insecureAcceptAnythingPolicy,
  parseImageName,
  VERSION,
  manifestDigest,
  SkiffError,
} from '../../src/index.js'
import { withTempDir, skopeo } from '../helpers/tools.js'
import { sha256 } from '../helpers/fixtures.js'

test('the library copies and inspects like the CLI (against skopeo)', async () => {
  await withTempDir(async (t) => {
    const res = await copyImage('oci:examples/hello:latest', parseImageName(`dir:${t}/hello`), {
      policy: insecureAcceptAnythingPolicy(),
    })
    const raw = await getRawManifest(`dir:${t}/hello`)
    assert.equal(manifestDigest(raw), res.manifestDigest)
    const info = await inspectImage('oci:examples/hello:latest')
    const theirs = JSON.parse((await skopeo(['inspect', 'oci:examples/hello:latest'])).stdout)
    for (const k of Object.keys(theirs)) assert.deepEqual(info[k], theirs[k], k)
    const cfg = await getRawConfig('oci:examples/hello:latest')
    assert.equal(sha256(cfg), (info as any).Layers ? JSON.parse(raw.toString()).config.digest : '')
  })
})

test('errors are SkiffErrors with codes', async () => {
  await assert.rejects(
    inspectImage('oci:/nonexistent/layout:x'),
    (e: unknown) => e instanceof SkiffError && e.code === 'ERR_IMAGE_NOT_FOUND' && e.exitCode === 2,
  )
})

test('VERSION equals package.json version', () => {
  assert.equal(VERSION, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version)
})
