import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pack, type Header } from 'tar-stream'
import { parseImageName } from '../../../src/transports/registry.js'
import { withTempDir } from '../../helpers/tools.js'

async function tarWith(entries: { header: Partial<Header> & { name: string }; body?: string }[]): Promise<Buffer> {
  const p = pack()
  const chunks: Buffer[] = []
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer)
  })
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()))
  for (const e of entries) p.entry(e.header, e.body ?? '')
  p.finalize()
  await done
  return Buffer.concat(chunks)
}

test('oci-archive source refuses entries and links that escape the extraction folder', async () => {
  await withTempDir(async (tmp) => {
    const work = join(tmp, 'work')
    await mkdir(work)
    const layoutFiles = [
      { header: { name: 'oci-layout' }, body: '{"imageLayoutVersion":"1.0.0"}' },
      { header: { name: 'index.json' }, body: '{"schemaVersion":2,"manifests":[]}' },
    ]
    const cases: [string, { header: Partial<Header> & { name: string }; body?: string }[]][] = [
      ['dotdot', [...layoutFiles, { header: { name: '../escaped.txt' }, body: 'x' }]],
      ['nested dotdot', [...layoutFiles, { header: { name: 'blobs/../../escaped.txt' }, body: 'x' }]],
      ['absolute', [...layoutFiles, { header: { name: join(tmp, 'escaped.txt') }, body: 'x' }]],
      ['absolute symlink', [...layoutFiles, { header: { name: 'blobs/link', type: 'symlink', linkname: tmp } }]],
      ['relative symlink', [...layoutFiles, { header: { name: 'blobs/link', type: 'symlink', linkname: '../../..' } }]],
      [
        'symlink chain, then write through it',
        [
          ...layoutFiles,
          { header: { name: 'd/up', type: 'symlink', linkname: '..' } },
          { header: { name: 'd/esc', type: 'symlink', linkname: 'up/..' } },
          { header: { name: 'd/esc/escaped.txt' }, body: 'x' },
        ],
      ],
      ['hardlink outside', [...layoutFiles, { header: { name: 'hl', type: 'link', linkname: '../../etc/hostname' } }]],
      [
        'hardlink through a symlink chain',
        [
          ...layoutFiles,
          { header: { name: 'd/up', type: 'symlink', linkname: '..' } },
          { header: { name: 'd/esc', type: 'symlink', linkname: 'up/..' } },
          { header: { name: 'hl', type: 'link', linkname: 'd/esc/secret' } },
        ],
      ],
    ]
    for (const [what, entries] of cases) {
      const archive = join(tmp, 'evil.tar')
      await writeFile(archive, await tarWith(entries))
      await assert.rejects(
        parseImageName(`oci-archive:${archive}`).newImageSource({ tmpdir: work }),
        { code: 'ERR_UNSAFE_PATH' },
        what,
      )
      assert.deepEqual(await readdir(work), [], what)
      assert.deepEqual((await readdir(tmp)).sort(), ['evil.tar', 'work'], what)
    }
  })
})

test('oci-archive source: a file that is not a tar of an OCI layout is a clear error', async () => {
  await withTempDir(async (tmp) => {
    const work = join(tmp, 'work')
    await mkdir(work)
    const garbage = join(tmp, 'garbage.tar')
    await writeFile(garbage, Buffer.alloc(4096, 7))
    await assert.rejects(parseImageName(`oci-archive:${garbage}`).newImageSource({ tmpdir: work }), {
      code: 'ERR_INVALID_LAYOUT',
    })
    const notLayout = join(tmp, 'plain.tar')
    await writeFile(notLayout, await tarWith([{ header: { name: 'hello.txt' }, body: 'hi' }]))
    await assert.rejects(
      parseImageName(`oci-archive:${notLayout}`).newImageSource({ tmpdir: work }),
      (e: any) => e.code === 'ERR_INVALID_LAYOUT' && /not an OCI archive/.test(e.message),
    )
    assert.deepEqual(await readdir(work), [])
  })
})
