import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chooseSuffix, destinationReference, goPathBase } from '../../src/sync/naming.js'

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
  assert.equal(chooseSuffix({ scoped: 'docker.io/kubesphere/kube-apiserver:v1.20.6', unscoped: 'kubesphere/kube-apiserver:v1.20.6' }, false), 'kubesphere/kube-apiserver:v1.20.6')
})

test('naming: docker, dir and oci destinations, with --append-suffix after the tag', () => {
  const d = destinationReference({ kind: 'docker', target: 'my-registry.local.lan/repo/' }, 'busybox:1', '-mirror')
  assert.equal(d.ref.toString(), 'docker://my-registry.local.lan/repo/busybox:1-mirror')
  assert.equal(d.label, 'busybox:1-mirror')
  assert.equal(destinationReference({ kind: 'dir', target: '/media/usb' }, '/a/b:1').ref.toString(), 'dir:/media/usb/a/b:1')
  const o = destinationReference({ kind: 'oci', target: '/srv/layout' }, 'kubesphere/kube-apiserver:v1.20.6')
  assert.equal(o.ref.toString(), 'oci:/srv/layout:kubesphere/kube-apiserver:v1.20.6')
  assert.throws(() => destinationReference({ kind: 'docker', target: 'host:5000' }, 'Bad:1'), /cannot name the destination docker:\/\/host:5000\/Bad:1/)
})
