import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  parentNamespaces,
  realPathInside,
  removeEmptyDirs,
  resolveExplicitPath,
  selfAndParentNamespaces,
} from '../../../src/transports/dir/local-path.js'
import { withTempDir } from '../../helpers/tools.js'

test('resolveExplicitPath resolves symlinks in the existing part and keeps the missing rest', async () => {
  await withTempDir(async (tmp) => {
    await mkdir(join(tmp, 'real'))
    await symlink(join(tmp, 'real'), join(tmp, 'link'))
    assert.equal(resolveExplicitPath(`${tmp}/link`), `${tmp}/real`)
    assert.equal(resolveExplicitPath(`${tmp}/link/missing/deeper/`), `${tmp}/real/missing/deeper`)
    assert.equal(resolveExplicitPath(`${tmp}/link/../link/./x`), `${tmp}/real/x`)
  })
})

test('namespaces: parents only (dir), self and parents (oci); never /', () => {
  assert.deepEqual(parentNamespaces('/a/b/c'), ['/a/b', '/a'])
  assert.deepEqual(parentNamespaces('/a'), [])
  assert.deepEqual(selfAndParentNamespaces('/a/b/c'), ['/a/b/c', '/a/b', '/a'])
  assert.deepEqual(selfAndParentNamespaces('/'), [])
})

test('realPathInside accepts inside symlinks and refuses escaping ones', async () => {
  await withTempDir(async (tmp) => {
    const root = join(tmp, 'root')
    await mkdir(root)
    await writeFile(join(root, 'f'), 'x')
    await writeFile(join(tmp, 'outside'), 'x')
    await symlink('f', join(root, 'in'))
    await symlink('../outside', join(root, 'out'))
    assert.equal(await realPathInside(root, join(root, 'in'), 'dir:x'), join(root, 'f'))
    await assert.rejects(
      realPathInside(root, join(root, 'out'), 'dir:x'),
      (e: any) => e.code === 'ERR_UNSAFE_PATH' && e.message.startsWith('dir:x'),
    )
    // a root that is itself a symlink is resolved first
    await symlink(root, join(tmp, 'rootlink'))
    assert.equal(await realPathInside(join(tmp, 'rootlink'), join(tmp, 'rootlink', 'f'), 'dir:x'), join(root, 'f'))
  })
})

test('removeEmptyDirs removes empty folders up to the limit and stops at a non-empty one', async () => {
  await withTempDir(async (tmp) => {
    await mkdir(join(tmp, 'a', 'b', 'c'), { recursive: true })
    await writeFile(join(tmp, 'a', 'keep'), 'x')
    await removeEmptyDirs(join(tmp, 'a', 'b', 'c'), join(tmp, 'a'))
    assert.deepEqual(await readdir(join(tmp, 'a')), ['keep'])
    await mkdir(join(tmp, 'z', 'y'), { recursive: true })
    await removeEmptyDirs(join(tmp, 'z', 'y'), join(tmp, 'z'))
    assert.deepEqual((await readdir(tmp)).sort(), ['a'])
    // never walks above a limit it is not under
    await removeEmptyDirs(join(tmp, 'a'), join(tmp, 'other'))
    assert.deepEqual(await readdir(join(tmp, 'a')), ['keep'])
  })
})
