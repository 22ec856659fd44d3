import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseNormalizedReference, parseDockerReferenceWithDefaultTag } from '../../src/reference/docker-reference.js'
import { InvalidReferenceError } from '../../src/errors.js'

const D = 'sha256:' + 'a'.repeat(64)

test('normalizes short names to docker.io/library and adds latest on request', () => {
  assert.equal(parseDockerReferenceWithDefaultTag('busybox').toString(), 'docker.io/library/busybox:latest')
  assert.equal(parseNormalizedReference('busybox').toString(), 'docker.io/library/busybox')
  assert.equal(parseNormalizedReference('user/app:1.0').toString(), 'docker.io/user/app:1.0')
  assert.equal(parseNormalizedReference('index.docker.io/library/redis').toString(), 'docker.io/library/redis')
  assert.equal(parseNormalizedReference('busybox').familiarString(), 'busybox')
  assert.equal(parseNormalizedReference('docker.io/library/busybox:1').familiarString(), 'busybox:1')
})

test('detects registry hosts by dot, port or localhost', () => {
  const cases: Array<[string, string, string]> = [
    ['quay.io/skopeo/stable:latest', 'quay.io', 'skopeo/stable'],
    ['localhost/app', 'localhost', 'app'],
    ['localhost:5000/a/b/c:t', 'localhost:5000', 'a/b/c'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000', 'app'],
    ['[::1]:5000/app', '[::1]:5000', 'app'],
    ['myhost/app', 'docker.io', 'myhost/app'],
    ['k8s.gcr.io/pause:3.3', 'k8s.gcr.io', 'pause'],
  ]
  for (const [input, domain, path] of cases) {
    const r = parseNormalizedReference(input)
    assert.equal(r.domain, domain, input)
    assert.equal(r.path, path, input)
  }
})

test('tags and digests', () => {
  const r = parseNormalizedReference(`localhost:5000/app:v1@${D}`)
  assert.equal(r.tag, 'v1')
  assert.equal(r.digest, D)
  assert.equal(r.toString(), `localhost:5000/app:v1@${D}`)
  const d = parseNormalizedReference(`app@${D}`)
  assert.equal(d.tag, undefined)
  assert.equal(d.tagNameOnly().toString(), `docker.io/library/app@${D}`)
})

test('rejects malformed references with clear messages', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Busybox', /lowercase/],
    // skopeo 1.9.3: an upper-case first component is not a registry host either
    ['Foo/bar:1', /repository name must be lowercase/],
    ['UPPER/x', /repository name must be lowercase/],
    ['busybox:', /invalid tag/],
    ['busybox:' + 'x'.repeat(129), /invalid tag/],
    ['a'.repeat(64), /64-byte hexadecimal/],
    ['busybox@sha256:abc', /invalid digest/],
    ['busybox@md5:' + 'a'.repeat(32), /unsupported digest algorithm|invalid digest/],
    ['foo//bar', /invalid repository name/],
    ['-foo', /invalid repository name/],
    ['quay.io/' + 'a/'.repeat(130) + 'b', /not be more than 255/],
    ['bad_host:5000:1/app', /invalid/],
  ]
  for (const [input, re] of bad) {
    assert.throws(
      () => parseNormalizedReference(input),
      (e: unknown) => e instanceof InvalidReferenceError && re.test((e as Error).message),
      input,
    )
  }
})

test('edge cases of the grammar: separators, 64-hex prefixes, names without a slash, lengths, empty parts', () => {
  for (const [input, want] of [
    ['ns/my-app', 'docker.io/ns/my-app'],
    ['ns/my--app', 'docker.io/ns/my--app'],
    ['ns/a__b', 'docker.io/ns/a__b'],
    ['ns/a.b_c', 'docker.io/ns/a.b_c'],
    ['my.app', 'docker.io/library/my.app'],
    ['a'.repeat(65), `docker.io/library/${'a'.repeat(65)}`],
    [`${'a'.repeat(64)}:v1`, `docker.io/library/${'a'.repeat(64)}:v1`],
  ] as const) {
    assert.equal(parseNormalizedReference(input).toString(), want, input)
  }
  for (const bad of ['ns/a___b', 'ns/a..b', 'ns/-a', 'ns/a-'])
    assert.throws(() => parseNormalizedReference(bad), InvalidReferenceError, bad)
  // the full name: 255 characters are allowed, 256 are not
  const name = (n: number) => `docker.io/ns/${'a'.repeat(n - 'docker.io/ns/'.length)}`
  assert.equal(parseNormalizedReference(name(255)).toString().length, 255)
  assert.throws(() => parseNormalizedReference(name(256)), /not be more than 255/)
  assert.throws(
    () => parseNormalizedReference(''),
    (e: unknown) =>
      e instanceof InvalidReferenceError && (e as Error).message === 'invalid reference: empty image name',
  )
  assert.throws(
    () => parseNormalizedReference(':v1'),
    (e: unknown) =>
      e instanceof InvalidReferenceError && (e as Error).message === 'invalid reference ":v1": empty repository name',
  )
  assert.throws(() => parseNormalizedReference(`@${D}`), /empty repository name/)
})

test('toString / familiarString with tag and digest; withTag checks the tag', () => {
  const r = parseNormalizedReference(`quay.io/ns/app:v1@${D}`)
  assert.equal(r.toString(), `quay.io/ns/app:v1@${D}`)
  assert.equal(r.familiarString(), `quay.io/ns/app:v1@${D}`)
  assert.equal(parseNormalizedReference(`busybox@${D}`).familiarString(), `busybox@${D}`)
  assert.equal(parseNormalizedReference('busybox').withTag('1.36').toString(), 'docker.io/library/busybox:1.36')
  assert.throws(
    () => parseNormalizedReference('busybox').withTag('bad tag'),
    (e: unknown) => e instanceof InvalidReferenceError && (e as Error).message === 'invalid tag "bad tag"',
  )
  assert.throws(() => parseNormalizedReference('busybox').withTag(''), InvalidReferenceError)
})
