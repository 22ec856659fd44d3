import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseImageList } from '../../src/sync/image-list.js'

test('image list: comments, blank lines, duplicates, own registries, digests, default tag', () => {
  const d = 'sha256:' + 'a'.repeat(64)
  const text = [
    '# the list',
    'alpine:3.14',
    '',
    '   kubesphere/kube-apiserver:v1.20.6   # inline comment',
    'alpine:3.14',
    'docker.io/alpine:3.14',
    `calico/cni@${d}`,
    'quay.io/coreos/etcd:v3.4.13',
    'localhost/x/y',
    '127.0.0.1:5000/team/app:1',
  ].join('\n')
  const entries = parseImageList(text, 'images-list.txt', 'mirror.example.com')
  assert.deepEqual(
    entries.map((e) => [e.line, e.source.toString(), e.written]),
    [
      [2, 'mirror.example.com/alpine:3.14', 'alpine:3.14'],
      [4, 'mirror.example.com/kubesphere/kube-apiserver:v1.20.6', 'kubesphere/kube-apiserver:v1.20.6'],
      [6, 'docker.io/library/alpine:3.14', 'alpine:3.14'],
      [7, `mirror.example.com/calico/cni@${d}`, `calico/cni@${d}`],
      [8, 'quay.io/coreos/etcd:v3.4.13', 'coreos/etcd:v3.4.13'],
      [9, 'localhost/x/y:latest', 'x/y:latest'],
      [10, '127.0.0.1:5000/team/app:1', 'team/app:1'],
    ],
  )
})

test('image list: docker.io by default; the same image written twice the same way collapses', () => {
  const e = parseImageList('busybox:1.31.1\ndocker.io/busybox:1.31.1\nbusybox:1.31.1\r\n', 'l.txt')
  assert.deepEqual(
    e.map((x) => x.source.toString()),
    ['docker.io/library/busybox:1.31.1'],
  )
})

test('image list: a bad line names the file and line', () => {
  assert.throws(() => parseImageList('ok:1\nBad/Name:1\n', 'l.txt'), /l\.txt:2: invalid image reference "Bad\/Name:1"/)
  assert.throws(() => parseImageList('a b\n', 'l.txt'), /l\.txt:1: "a b" is not one image reference/)
  assert.throws(() => parseImageList(`x:1@sha256:${'b'.repeat(64)}\n`, 'l.txt'), /l\.txt:1: .*both a tag and a digest/)
})
