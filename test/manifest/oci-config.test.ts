/**
 * Docker config → OCI config: byte-equal to what skopeo 1.9.3 writes for the same config
 * (oci-config.skopeo.json, recorded with `skopeo copy --format oci dir:A dir:B`), and Go's
 * time round trip.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dockerConfigToOci, goTime } from '../../src/manifest/oci-config.js'
import { SkiffError } from '../../src/errors.js'

const recorded = JSON.parse(readFileSync(new URL('./oci-config.skopeo.json', import.meta.url), 'utf8')) as {
  cases: Array<{ docker: string; oci: string }>
}

test('dockerConfigToOci: the bytes skopeo writes', () => {
  assert.ok(recorded.cases.length >= 9)
  for (const { docker, oci } of recorded.cases)
    assert.equal(dockerConfigToOci(Buffer.from(docker)).toString(), oci, docker)
})

// skopeo refuses such configs (json: cannot unmarshal number into Go struct field …); skiff is lenient and
// leaves each mistyped field at Go's zero value. These pin that, so the type checks cannot silently go.
test('dockerConfigToOci: fields of the wrong type are left at their zero value', () => {
  const odd = {
    created: '2020-01-02T03:04:05Z',
    architecture: 5,
    os: null,
    variant: 7,
    config: { User: 1, Env: 'x', ExposedPorts: ['80/tcp'], Volumes: 'v', Labels: 'l', ArgsEscaped: 'true' },
    rootfs: { type: 1, diff_ids: 'x' },
    history: [null, { created: 5, empty_layer: 'true' }],
  }
  assert.equal(
    dockerConfigToOci(Buffer.from(JSON.stringify(odd))).toString(),
    '{"created":"2020-01-02T03:04:05Z","architecture":"","os":"","config":{},"rootfs":{"type":"","diff_ids":null},"history":[{},{}]}',
  )
  assert.equal(
    dockerConfigToOci(Buffer.from('{"config":"x","history":{}}')).toString(),
    '{"architecture":"","os":"","config":{},"rootfs":{"type":"","diff_ids":null}}',
  )
})

test('dockerConfigToOci: refusals', () => {
  assert.throws(
    () => dockerConfigToOci(Buffer.from('not json')),
    (e: unknown) =>
      e instanceof SkiffError && e.code === 'ERR_MANIFEST_INVALID' && e.message === 'image config is not JSON',
  )
  assert.throws(
    () => dockerConfigToOci(Buffer.from('{"created":"2020-01-02 03:04:05Z"}')),
    (e: unknown) =>
      e instanceof SkiffError &&
      e.code === 'ERR_MANIFEST_INVALID' &&
      e.message === 'invalid timestamp "2020-01-02 03:04:05Z" in image config',
  )
  assert.throws(
    () => dockerConfigToOci(Buffer.from('{"history":[{"created":"yesterday"}]}')),
    /invalid timestamp "yesterday" in image config/,
  )
})

test('goTime: RFC3339Nano as Go writes it back', () => {
  const cases: Array<[string, string]> = [
    ['2020-01-02T03:04:05Z', '2020-01-02T03:04:05Z'],
    ['2020-01-02T03:04:05.000Z', '2020-01-02T03:04:05Z'],
    ['2020-01-02T03:04:05.120Z', '2020-01-02T03:04:05.12Z'],
    ['2020-01-02T03:04:05.1234567891Z', '2020-01-02T03:04:05.123456789Z'],
    ['2020-01-02T03:04:05.1234567800Z', '2020-01-02T03:04:05.12345678Z'],
    ['2020-01-02T03:04:05+00:00', '2020-01-02T03:04:05Z'],
    ['2020-01-02T03:04:05-00:00', '2020-01-02T03:04:05Z'],
    ['2020-01-02T03:04:05.5+02:00', '2020-01-02T03:04:05.5+02:00'],
    ['2020-01-02T03:04:05-07:30', '2020-01-02T03:04:05-07:30'],
  ]
  for (const [from, to] of cases) assert.equal(goTime(from), to, from)
  for (const bad of [
    '2020-01-02T03:04:05',
    '2020-01-02T03:04Z',
    'x2020-01-02T03:04:05Z',
    '2020-01-02T03:04:05Zx',
    '2020-01-02T03:04:05.Z',
    '2020-01-02T03:04:05+0200',
    // Go's time.Parse(RFC3339) is case-sensitive
    '2020-01-02T03:04:05z',
    '2020-01-02t03:04:05Z',
  ]) {
    assert.throws(
      () => goTime(bad),
      (e: unknown) => e instanceof SkiffError && e.message === `invalid timestamp "${bad}" in image config`,
      bad,
    )
  }
})
