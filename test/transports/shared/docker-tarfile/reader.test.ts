import assert from 'node:assert/strict'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { compress } from 'zstd-napi'
import { TarfileReader } from '../../../../src/transports/shared/docker-tarfile/reader.js'
import { smallImage } from '../../../helpers/fixtures.js'
import { withTempDir } from '../../../helpers/tools.js'
import { legacyArchive } from '../../docker-archive/archive-builder.js'

describe('TarfileReader.fromStream', () => {
  for (const [kind, encode] of [
    ['plain', (b: Buffer) => b],
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['zstd', (b: Buffer) => compress(b)],
  ] as const) {
    it(`reads a ${kind} archive from a stream and removes its temp copy on close`, async () => {
      await withTempDir(async (dir) => {
        const tmp = join(dir, 'tmp')
        await mkdir(tmp)
        const a = await legacyArchive([{ spec: smallImage('s'), repoTags: ['s:1'] }])
        const reader = await TarfileReader.fromStream(Readable.from([encode(a.tar)]), {
          tmpdir: tmp,
          image: 'docker-daemon:s:1',
        })
        try {
          assert.deepEqual(
            reader.items.map((i) => i.RepoTags),
            [['s:1']],
          )
          const cfg = await reader.readEntry(reader.items[0]!.Config, 'config')
          assert.ok(cfg.equals(a.built[0]!.config))
          assert.equal((await readdir(tmp)).length, 1)
        } finally {
          await reader.close()
        }
        assert.deepEqual(await readdir(tmp), [])
      })
    })
  }
})
