import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chooseInstance, hostPlatform, parsePlatform, wantedPlatform } from '../../src/manifest/platform.js'
import { MT } from '../../src/manifest/media-types.js'
import type { ManifestList } from '../../src/manifest/types.js'

const d = (c: string): string => 'sha256:' + c.repeat(64)
const list: ManifestList = {
  kind: 'list',
  mediaType: MT.OCI_INDEX,
  manifests: [
    { digest: d('1'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    { digest: d('2'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { digest: d('3'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { digest: d('4'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { digest: d('5'), size: 1, platform: { os: 'windows', architecture: 'amd64' } },
  ],
}

test('host platform uses Go names', () => {
  const p = hostPlatform()
  assert.ok(['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64'].includes(p.architecture))
  assert.equal(p.os, process.platform === 'win32' ? 'windows' : process.platform)
})

test('chooses by override with variant preference', () => {
  assert.equal(chooseInstance(list, { os: 'linux', architecture: 'amd64' }).digest, d('1'))
  assert.equal(chooseInstance(list, { os: 'windows', architecture: 'amd64' }).digest, d('5'))
  assert.equal(chooseInstance(list, { os: 'linux', architecture: 'arm64' }).digest, d('4'))
  assert.equal(chooseInstance(list, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest, d('3'))
  assert.equal(chooseInstance(list, { os: 'linux', architecture: 'arm' }).digest, d('3'))
  assert.equal(chooseInstance(list, { os: 'linux', architecture: 'arm', variant: 'v6' }).digest, d('2'))
  // skopeo 1.9.3's wording: "image index" for an OCI index ("manifest list" for Docker's, see test/cli/contracts.test.ts)
  assert.throws(() => chooseInstance(list, { os: 'linux', architecture: 's390x' }), /^SkiffError: choosing image instance: no image found in image index for architecture s390x, variant "", OS linux \(the list has: .*linux\/amd64/)
  assert.throws(() => chooseInstance(list, { os: 'linux', architecture: 'arm', variant: 'v5' }), /no image found/)
})

test('wantedPlatform overrides field by field', () => {
  const w = wantedPlatform({ architecture: 'arm64' })
  assert.equal(w.architecture, 'arm64')
  assert.equal(w.os, hostPlatform().os)
})

test('parsePlatform', () => {
  assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' })
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' })
  assert.throws(() => parsePlatform('linux'), /os\/arch/)
})
