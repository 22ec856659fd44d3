/** SyncSource list: an image list file, in file order, lines without a registry on --registry; paths kept as written. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { withTempDir } from '../../helpers/tools.js'
import { listSource } from '../../../src/sync/sources/list.js'
import { collect, plain } from './helpers.js'

const DIGEST = 'sha256:' + 'ab'.repeat(32)

test('list source: file order, the default registry for lines without one, digests without a tag', () =>
  withTempDir(async (t) => {
    const file = join(t, 'images.list')
    await writeFile(file, `kubesphere/kube-apiserver:v1.20.6\nquay.io/coreos/etcd@${DIGEST}\nbusybox:1\n`)
    const { items } = await collect(listSource, { kind: 'list', input: file, registry: 'reg.example:5000' })
    assert.deepEqual(items.map(plain), [
      {
        source: 'docker://reg.example:5000/kubesphere/kube-apiserver:v1.20.6',
        suffix: {
          scoped: 'reg.example:5000/kubesphere/kube-apiserver:v1.20.6',
          unscoped: 'kubesphere/kube-apiserver:v1.20.6',
          path: 'kubesphere/kube-apiserver:v1.20.6',
        },
        tag: 'v1.20.6',
        group: 'reg.example:5000/kubesphere/kube-apiserver',
      },
      {
        source: `docker://quay.io/coreos/etcd@${DIGEST}`,
        suffix: {
          scoped: `quay.io/coreos/etcd@${DIGEST}`,
          unscoped: `coreos/etcd@${DIGEST}`,
          path: `coreos/etcd@${DIGEST}`,
        },
        group: 'quay.io/coreos/etcd',
      },
      {
        source: 'docker://reg.example:5000/busybox:1',
        suffix: { scoped: 'reg.example:5000/busybox:1', unscoped: 'busybox:1', path: 'busybox:1' },
        tag: '1',
        group: 'reg.example:5000/busybox',
      },
    ])
  }))

test('list source: an unreadable file fails naming it', () =>
  withTempDir(async (t) => {
    const file = join(t, 'none.list')
    await assert.rejects(
      collect(listSource, { kind: 'list', input: file }),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && e.message.startsWith(`cannot read the image list ${file}: `),
    )
  }))
