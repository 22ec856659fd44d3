import assert from 'node:assert/strict'
import { mkdir, open, readFile, symlink, writeFile, link } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { SkiffError } from '../../../../src/errors.js'
import { safeEntryName, scanTar, type TarIndex } from '../../../../src/transports/shared/docker-tarfile/tar-index.js'
import { run, withTempDir } from '../../../helpers/tools.js'
import { tarEntries } from '../../docker-archive/archive-builder.js'

const LONG_DIR = `${'d'.repeat(60)}/${'e'.repeat(60)}`
const LONG_NAME = `${LONG_DIR}/${'f'.repeat(90)}.txt`

async function contentOf(index: TarIndex, name: string): Promise<string> {
  const e = index.resolve(name)
  assert.ok(e, `${name} resolves`)
  const fh = await open(index.path, 'r')
  try {
    const buf = Buffer.alloc(e.size)
    await fh.read(buf, 0, e.size, e.offset)
    return buf.toString()
  } finally {
    await fh.close()
  }
}

/** Builds a tree with a long name, a symlink and a hard link, and tars it with GNU tar in `format`. */
async function gnuTar(dir: string, format: 'gnu' | 'pax' | 'ustar' | 'oldgnu'): Promise<string> {
  const tree = join(dir, `tree-${format}`)
  await mkdir(join(tree, LONG_DIR), { recursive: true })
  await writeFile(join(tree, LONG_NAME), 'long name content\n')
  await writeFile(join(tree, 'plain.txt'), 'plain\n')
  await symlink(`../${LONG_NAME}`, join(tree, 'd'.repeat(60), 'link-to-long'))
  await link(join(tree, 'plain.txt'), join(tree, 'hard.txt'))
  const out = join(dir, `${format}.tar`)
  const r = await run('tar', [`--format=${format}`, '-cf', out, '-C', tree, '.'])
  assert.equal(r.code, 0, r.stderr)
  return out
}

describe('tar index', () => {
  for (const format of ['gnu', 'pax', 'oldgnu'] as const) {
    it(`indexes GNU tar's ${format} format: long names, symlinks and hard links`, async () => {
      await withTempDir(async (dir) => {
        const index = await scanTar(await gnuTar(dir, format))
        assert.equal(await contentOf(index, LONG_NAME), 'long name content\n')
        assert.equal(await contentOf(index, `./${LONG_NAME}`), 'long name content\n')
        assert.equal(await contentOf(index, `${'d'.repeat(60)}/link-to-long`), 'long name content\n')
        assert.equal(await contentOf(index, 'hard.txt'), 'plain\n')
        assert.equal(await contentOf(index, 'plain.txt'), 'plain\n')
        assert.equal(index.resolve('missing'), undefined)
      })
    })
  }

  it('honours PAX size and path records (files over 8 GiB use them; tar-stream writes long names with them)', async () => {
    await withTempDir(async (dir) => {
      const long = `${'p'.repeat(120)}/${'q'.repeat(120)}.bin`
      const path = join(dir, 'pax.tar')
      await writeFile(
        path,
        await tarEntries([
          { name: long, data: 'pax long name' },
          { name: 'after', data: 'next entry' },
        ]),
      )
      const index = await scanTar(path)
      assert.equal(await contentOf(index, long), 'pax long name')
      assert.equal(await contentOf(index, 'after'), 'next entry')
      assert.equal((await readFile(path)).length % 512, 0)
    })
  })

  it('rejects names and links that leave the archive, and link loops', async () => {
    assert.equal(safeEntryName('./a//b/'), 'a/b')
    assert.equal(safeEntryName('a/../b'), 'b')
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', '..']) {
      assert.throws(
        () => safeEntryName(bad),
        (e: SkiffError) => e.code === 'ERR_UNSAFE_PATH',
        bad,
      )
    }
    await withTempDir(async (dir) => {
      const path = join(dir, 'links.tar')
      await writeFile(
        path,
        await tarEntries([
          { name: 'out', type: 'symlink', linkname: '../../outside' },
          { name: 'abs', type: 'symlink', linkname: '/etc/passwd' },
          { name: 'loop1', type: 'symlink', linkname: 'loop2' },
          { name: 'loop2', type: 'symlink', linkname: 'loop1' },
          { name: 'dir', type: 'directory' },
        ]),
      )
      const index = await scanTar(path)
      assert.throws(
        () => index.resolve('out'),
        (e: SkiffError) => e.code === 'ERR_UNSAFE_PATH',
      )
      assert.throws(
        () => index.resolve('abs'),
        (e: SkiffError) => e.code === 'ERR_UNSAFE_PATH',
      )
      assert.throws(
        () => index.resolve('loop1'),
        (e: SkiffError) => e.code === 'ERR_INVALID_LAYOUT',
      )
      assert.throws(
        () => index.resolve('dir'),
        (e: SkiffError) => e.code === 'ERR_INVALID_LAYOUT',
      )
    })
  })

  it('rejects truncated archives and non-tar files', async () => {
    await withTempDir(async (dir) => {
      const good = await tarEntries([{ name: 'big', data: Buffer.alloc(5000, 1) }])
      const cut = join(dir, 'cut.tar')
      await writeFile(cut, good.subarray(0, 2048))
      await assert.rejects(
        scanTar(cut),
        (e: SkiffError) => e.code === 'ERR_INVALID_LAYOUT' && /truncated/.test(e.message),
      )
      const junk = join(dir, 'junk.tar')
      await writeFile(junk, Buffer.alloc(1024, 0x41))
      await assert.rejects(scanTar(junk), (e: SkiffError) => e.code === 'ERR_INVALID_LAYOUT')
    })
  })
})
