import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  chooseInstance,
  formatPlatform,
  goPlatform,
  hostPlatform,
  parsePlatform,
  platformMatches,
  wantedPlatform,
} from '../../src/manifest/platform.js'
import { SkiffError } from '../../src/errors.js'
import { MT } from '../../src/manifest/media-types.js'
import type { ManifestList } from '../../src/manifest/types.js'
import type { Platform } from '../../src/manifest/types.js'

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
  assert.throws(
    () => chooseInstance(list, { os: 'linux', architecture: 's390x' }),
    /^SkiffError: choosing image instance: no image found in image index for architecture s390x, variant "", OS linux \(the list has: .*linux\/amd64/,
  )
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

test('goPlatform: Node names in Go (GOOS/GOARCH) names, unknown names unchanged', () => {
  const archs: Record<string, string> = {
    x64: 'amd64',
    ia32: '386',
    arm64: 'arm64',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loong64',
    mips: 'mips',
    mipsel: 'mipsle',
    sparc: 'sparc',
  }
  for (const [node, go] of Object.entries(archs))
    assert.deepEqual(goPlatform(node, 'linux'), { os: 'linux', architecture: go })
  const oses: Record<string, string> = {
    win32: 'windows',
    linux: 'linux',
    darwin: 'darwin',
    freebsd: 'freebsd',
    openbsd: 'openbsd',
    sunos: 'solaris',
    aix: 'aix',
    netbsd: 'netbsd',
  }
  for (const [node, go] of Object.entries(oses))
    assert.deepEqual(goPlatform('x64', node), { os: go, architecture: 'amd64' })
  // arm takes Node's build arm_version as the variant (v7 when unknown)
  assert.deepEqual(goPlatform('arm', 'linux', '6'), { os: 'linux', architecture: 'arm', variant: 'v6' })
  assert.deepEqual(goPlatform('arm', 'linux', 8), { os: 'linux', architecture: 'arm', variant: 'v8' })
  assert.deepEqual(goPlatform('arm', 'linux'), { os: 'linux', architecture: 'arm', variant: 'v7' })
  assert.deepEqual(goPlatform('arm', 'linux', null), { os: 'linux', architecture: 'arm', variant: 'v7' })
  assert.deepEqual(goPlatform('arm', 'linux', { v: 6 }), { os: 'linux', architecture: 'arm', variant: 'v7' })
})

test('hostPlatform has a variant only on arm', () => {
  const p = hostPlatform()
  if (p.architecture !== 'arm') assert.deepEqual(Object.keys(p).sort(), ['architecture', 'os'])
  else assert.match(p.variant ?? '', /^v\d$/)
})

test('wantedPlatform: no override is the host; no empty variant key', () => {
  assert.deepEqual(wantedPlatform(undefined), hostPlatform())
  assert.deepEqual(wantedPlatform({}), hostPlatform())
  assert.deepEqual(wantedPlatform({ os: 'windows', architecture: 'amd64' }), { os: 'windows', architecture: 'amd64' })
  assert.deepEqual(wantedPlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }), {
    os: 'linux',
    architecture: 'arm',
    variant: 'v6',
  })
  // the host's variant does not carry over to another architecture
  const other = hostPlatform().architecture === 's390x' ? 'ppc64le' : 's390x'
  assert.deepEqual(wantedPlatform({ os: 'linux', architecture: other }), { os: 'linux', architecture: other })
})

const entry = (os: string, architecture: string, variant?: string, n = '9'): ManifestList['manifests'][number] => ({
  digest: d(n),
  size: 1,
  platform: variant ? { os, architecture, variant } : { os, architecture },
})
const oci = (...manifests: ManifestList['manifests']): ManifestList => ({
  kind: 'list',
  mediaType: MT.OCI_INDEX,
  manifests,
})
const pick = (l: ManifestList, want: Partial<Platform>): string | undefined => chooseInstance(l, want).platform?.variant

test('chooseInstance: arm64 prefers v8, then no variant; another wanted variant first', () => {
  const a64 = oci(entry('linux', 'arm64'), entry('linux', 'arm64', 'v8'), entry('linux', 'arm64', 'v9'))
  assert.equal(pick(a64, { os: 'linux', architecture: 'arm64' }), 'v8')
  assert.equal(pick(a64, { os: 'linux', architecture: 'arm64', variant: 'v8' }), 'v8')
  assert.equal(pick(a64, { os: 'linux', architecture: 'arm64', variant: 'v9' }), 'v9')
  // a wanted variant falls back to the entry without one
  assert.equal(pick(oci(entry('linux', 'arm64')), { os: 'linux', architecture: 'arm64', variant: 'v9' }), undefined)
  assert.equal(
    pick(oci(entry('linux', 'arm64', 'v9'), entry('linux', 'arm64')), {
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    }),
    undefined,
  )
})

test('chooseInstance: arm walks down v8, v7, v6, v5, then no variant', () => {
  const want = (variant?: string): Partial<Platform> =>
    variant ? { os: 'linux', architecture: 'arm', variant } : { os: 'linux', architecture: 'arm' }
  assert.equal(pick(oci(entry('linux', 'arm', 'v7')), want('v8')), 'v7')
  assert.equal(pick(oci(entry('linux', 'arm', 'v5'), entry('linux', 'arm', 'v6')), want('v7')), 'v6')
  assert.equal(pick(oci(entry('linux', 'arm', 'v5')), want('v6')), 'v5')
  assert.equal(pick(oci(entry('linux', 'arm', 'v8'), entry('linux', 'arm')), want('v7')), undefined)
  assert.equal(pick(oci(entry('linux', 'arm', 'v5')), want()), 'v5')
  // a variant outside the list: itself, then no variant
  assert.equal(pick(oci(entry('linux', 'arm', 'v5'), entry('linux', 'arm', 'v9')), want('v9')), 'v9')
  assert.equal(pick(oci(entry('linux', 'arm', 'v5'), entry('linux', 'arm')), want('v9')), undefined)
  assert.throws(() => chooseInstance(oci(entry('linux', 'arm', 'v5')), want('v9')), /no image found/)
})

test('chooseInstance: other architectures: the wanted variant, else none; no variant wanted takes any', () => {
  const amd = oci(entry('linux', 'amd64', 'v2'), entry('linux', 'amd64'), entry('linux', 'amd64', 'v3'))
  assert.equal(pick(amd, { os: 'linux', architecture: 'amd64' }), undefined)
  assert.equal(pick(amd, { os: 'linux', architecture: 'amd64', variant: 'v3' }), 'v3')
  assert.equal(
    pick(oci(entry('linux', 'amd64', 'v2'), entry('linux', 'amd64')), {
      os: 'linux',
      architecture: 'amd64',
      variant: 'v4',
    }),
    undefined,
  )
  // nothing without a variant: the first of that os/architecture
  const only = oci(
    { digest: d('8'), size: 1 },
    entry('windows', 'amd64', 'v2'),
    entry('linux', 'amd64', 'v3'),
    entry('linux', 'amd64', 'v2'),
  )
  assert.equal(pick(only, { os: 'linux', architecture: 'amd64' }), 'v3')
  assert.throws(() => chooseInstance(only, { os: 'linux', architecture: 'amd64', variant: 'v4' }), /no image found/)
})

test('chooseInstance: the whole message, code and image', () => {
  const l = oci({ digest: d('8'), size: 1 }, entry('linux', 'arm', 'v7'), entry('linux', 'amd64'))
  const msg = 'choosing image instance: no image found in image index for architecture s390x, variant "", OS linux '
  // the library names options; the CLI shows them as --override-os/--override-arch/--override-variant and --all
  const hint = '; choose one with `platform` or copy all with `multiArch: "all"`'
  assert.throws(
    () => chooseInstance(l, { os: 'linux', architecture: 's390x' }),
    (e: unknown) =>
      e instanceof SkiffError &&
      e.code === 'ERR_NO_MATCHING_PLATFORM' &&
      e.image === undefined &&
      e.message === `${msg}(the list has: ?, linux/arm/v7, linux/amd64)${hint}`,
  )
  const docker: ManifestList = { kind: 'list', mediaType: MT.DOCKER_LIST, manifests: [] }
  assert.throws(
    () => chooseInstance(docker, { os: 'linux', architecture: 'arm', variant: 'v6' }, 'docker://x/y:1'),
    (e: unknown) =>
      e instanceof SkiffError &&
      e.image === 'docker://x/y:1' &&
      e.message ===
        'choosing image instance: no image found in manifest list for architecture arm, variant "v6", OS linux ' +
          `(docker://x/y:1 has: nothing)${hint}`,
  )
})

test('platformMatches and formatPlatform', () => {
  const want = { os: 'linux', architecture: 'arm', variant: 'v7' }
  assert.equal(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, want), true)
  assert.equal(platformMatches({ os: 'linux', architecture: 'arm' }, want), true)
  assert.equal(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v8' }, want), false)
  assert.equal(platformMatches({ os: 'windows', architecture: 'arm', variant: 'v7' }, want), false)
  assert.equal(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v7' }, want), false)
  assert.equal(platformMatches(undefined, want), false)
  assert.equal(
    platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v9' }),
    true,
  )
  assert.equal(
    platformMatches({ os: 'linux', architecture: 'amd64', variant: 'v2' }, { os: 'linux', architecture: 'amd64' }),
    false,
  )
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7')
  assert.equal(formatPlatform({ os: 'linux', architecture: 'amd64' }), 'linux/amd64')
  assert.equal(formatPlatform({ architecture: 'amd64' }), '/amd64')
  assert.equal(formatPlatform({ os: 'linux' }), 'linux/')
})

test('parsePlatform: trims; exactly 2 or 3 non-empty parts', () => {
  assert.deepEqual(parsePlatform(' linux/arm64\n'), { os: 'linux', architecture: 'arm64' })
  for (const bad of ['linux/arm/v7/x', 'linux/', '/amd64', 'linux//v7', 'linux/arm/', '']) {
    assert.throws(
      () => parsePlatform(bad),
      (e: unknown) =>
        e instanceof SkiffError &&
        e.code === 'ERR_INVALID_ARGUMENT' &&
        e.message === `invalid platform "${bad}": expected os/arch or os/arch/variant, e.g. linux/arm64`,
      bad,
    )
  }
})
