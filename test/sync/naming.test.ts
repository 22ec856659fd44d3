import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chooseSuffix, destKeepsPath, destinationReference, goPathBase, joinDest } from '../../src/sync/naming.js'

test('naming: Go path.Base', () => {
  assert.equal(goPathBase('127.0.0.1:5000/ns/app:v1'), 'app:v1')
  assert.equal(goPathBase('/app:v1'), 'app:v1')
  assert.equal(goPathBase('a/b/'), 'b')
  assert.equal(goPathBase(''), '.')
})

test('naming: non-scoped takes the last element, scoped the full path; the list keeps its path', () => {
  const s = { scoped: 'docker.io/library/busybox:1' }
  assert.equal(chooseSuffix(s, false), 'busybox:1')
  assert.equal(chooseSuffix(s, true), 'docker.io/library/busybox:1')
  assert.equal(chooseSuffix({ ...s, unscoped: 'busybox:1' }, false), 'busybox:1')
  assert.equal(
    chooseSuffix(
      { scoped: 'docker.io/kubesphere/kube-apiserver:v1.20.6', unscoped: 'kubesphere/kube-apiserver:v1.20.6' },
      false,
    ),
    'kubesphere/kube-apiserver:v1.20.6',
  )
})

test('naming: docker, dir and oci destinations, with --append-suffix after the tag', () => {
  const d = destinationReference({ kind: 'docker', target: 'my-registry.local.lan/repo/' }, 'busybox:1', '-mirror')
  assert.equal(d.ref.toString(), 'docker://my-registry.local.lan/repo/busybox:1-mirror')
  assert.equal(d.label, 'busybox:1-mirror')
  assert.equal(
    destinationReference({ kind: 'dir', target: '/media/usb' }, '/a/b:1').ref.toString(),
    'dir:/media/usb/a/b:1',
  )
  const o = destinationReference({ kind: 'oci', target: '/srv/layout' }, 'kubesphere/kube-apiserver:v1.20.6')
  assert.equal(o.ref.toString(), 'oci:/srv/layout:kubesphere/kube-apiserver:v1.20.6')
  assert.throws(
    () => destinationReference({ kind: 'docker', target: 'host:5000' }, 'Bad:1'),
    /cannot name the destination docker:\/\/host:5000\/Bad:1/,
  )
})

test('naming: Go path.Base edge cases', () => {
  assert.equal(goPathBase('/'), '/')
  assert.equal(goPathBase('///'), '/')
  assert.equal(goPathBase('app'), 'app')
  assert.equal(goPathBase('a//b//'), 'b')
  assert.equal(goPathBase('host:5000/app@sha256:abc'), 'app@sha256:abc')
})

test('naming: the suffix chosen for a destination that keeps paths (registry-storage)', () => {
  const s = { scoped: 'docker.io/library/busybox:1', unscoped: 'library/busybox:1', path: 'busybox:1' }
  assert.equal(chooseSuffix(s, false, true), 'busybox:1')
  assert.equal(chooseSuffix(s, true, true), 'docker.io/library/busybox:1')
  assert.equal(chooseSuffix({ scoped: 'h/ns/app:1', unscoped: 'ns/app:1' }, false, true), 'ns/app:1')
  assert.equal(chooseSuffix({ scoped: 'h/ns/app:1' }, false, true), 'app:1')
  assert.equal(chooseSuffix({ scoped: 'h/ns/app:1' }, false, false), 'app:1')
  assert.equal(chooseSuffix(s, false, false), 'library/busybox:1')
  assert.equal(chooseSuffix(s, false), 'library/busybox:1', 'paths are kept only when asked')
  assert.equal(destKeepsPath({ kind: 'registry-storage', target: '/srv' }), true)
  for (const kind of ['docker', 'dir', 'oci'] as const) assert.equal(destKeepsPath({ kind, target: '/x' }), false)
})

test('naming: joinDest is Go path.Join (cleaned, empty parts ignored)', () => {
  assert.equal(joinDest('/media/usb', 'app:v1'), '/media/usb/app:v1')
  assert.equal(joinDest('/media/usb/', '/app:v1'), '/media/usb/app:v1')
  assert.equal(joinDest('reg/ns', 'a/../b:1'), 'reg/ns/b:1')
  assert.equal(joinDest('', 'app:v1'), 'app:v1')
  assert.equal(joinDest('/d', ''), '/d')
  assert.equal(joinDest('', ''), '')
})

test('naming: labels are cleaned; oci and registry-storage names are checked', () => {
  assert.equal(destinationReference({ kind: 'dir', target: '/d' }, '/ns/app:v1').label, 'ns/app:v1')
  assert.equal(destinationReference({ kind: 'dir', target: '/d' }, '//a//b:1', '-x').label, 'a/b:1-x')
  assert.equal(destinationReference({ kind: 'dir', target: '/d' }, 'app:v1', '-x').ref.toString(), 'dir:/d/app:v1-x')
  assert.equal(destinationReference({ kind: 'dir', target: '/d' }, '/').label, '.')
  assert.equal(destinationReference({ kind: 'dir', target: '/d' }, '').label, '.')
  assert.throws(
    () => destinationReference({ kind: 'oci', target: '/srv/layout' }, 'bad name:1'),
    (e: any) =>
      e.code === 'ERR_INVALID_REFERENCE' &&
      e.message.startsWith('cannot name the image "bad name:1" in the OCI layout /srv/layout: not a valid ref name'),
  )
  assert.equal(
    destinationReference({ kind: 'oci', target: '/srv/layout' }, 'app:v1', '-m').ref.toString(),
    'oci:/srv/layout:app:v1-m',
  )
  const rs = destinationReference({ kind: 'registry-storage', target: '/srv/store' }, 'kubesphere/app:v1')
  assert.equal(rs.ref.toString(), 'registry-storage:/srv/store:kubesphere/app:v1')
  assert.equal(rs.label, 'kubesphere/app:v1')
  for (const target of ['', 'host:/x']) {
    assert.throws(
      () => destinationReference({ kind: 'registry-storage', target }, 'app:v1'),
      (e: any) =>
        e.code === 'ERR_INVALID_REFERENCE' && e.message.includes(`invalid registry-storage DESTINATION "${target}"`),
    )
  }
  assert.throws(
    () => destinationReference({ kind: 'registry-storage', target: '/srv/store' }, 'Bad/App:v1'),
    (e: any) =>
      e.code === 'ERR_INVALID_REFERENCE' &&
      e.message.startsWith(
        'cannot name the destination registry-storage:/srv/store:Bad/App:v1 (DESTINATION /srv/store + Bad/App:v1)',
      ),
  )
  assert.throws(
    () => destinationReference({ kind: 'docker', target: 'host:5000/ns' }, 'Bad:1', '-s'),
    (e: any) =>
      e.code === 'ERR_INVALID_REFERENCE' &&
      e.message.startsWith(
        'cannot name the destination docker://host:5000/ns/Bad:1-s (DESTINATION host:5000/ns + Bad:1-s)',
      ) &&
      e.cause instanceof Error,
  )
})
