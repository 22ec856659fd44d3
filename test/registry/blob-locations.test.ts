import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BlobLocationCache, MAX_BLOBS_PER_SHARD, shardOf } from '../../src/registry/blob-locations.js'
import { withTempDir } from '../helpers/tools.js'

const REG = '127.0.0.1:5000'
/** A sha256 digest whose hex starts with `prefix` (2 hex digits) and ends with `n`. */
const dg = (prefix: string, n: number): string => `sha256:${prefix}${n.toString(16).padStart(62, '0')}`
const shardFile = (dir: string, reg: string, prefix: string): string => join(dir, 'bl', reg, `${prefix}.json`)
const readShard = async (f: string): Promise<Record<string, string[]>> =>
  (JSON.parse(await readFile(f, 'utf8')) as { blobs: Record<string, string[]> }).blobs

describe('BlobLocationCache (sharded on disk)', () => {
  it('shardOf: the first two hex digits of the encoded part', () => {
    assert.equal(shardOf('sha256:AB12'), 'ab')
    assert.equal(shardOf('sha512:0f' + 'e'.repeat(126)), '0f')
    assert.equal(shardOf('sha256:'), '_')
    assert.equal(shardOf('sha256:zz'), '_')
  })

  it('writes each recorded digest into its registry’s shard and reads it back in a later process', async () => {
    await withTempDir(async (dir) => {
      const a = new BlobLocationCache(join(dir, 'bl'))
      a.record(REG, 'lib/a', dg('ab', 1))
      a.record(REG, 'lib/b', dg('ab', 1))
      a.markPresent(REG, 'lib/c', dg('cd', 2))
      await a.flush()
      assert.deepEqual((await readdir(join(dir, 'bl', REG))).sort(), ['ab.json', 'cd.json'])
      assert.deepEqual(await readShard(shardFile(dir, REG, 'ab')), { [dg('ab', 1)]: ['lib/b', 'lib/a'] })
      const b = new BlobLocationCache(join(dir, 'bl'))
      assert.deepEqual(await b.candidates(REG, dg('ab', 1), 'lib/x'), ['lib/b', 'lib/a'])
      assert.deepEqual(await b.candidates(REG, dg('ab', 1), 'lib/b'), ['lib/a'], 'the asking repository is left out')
      assert.deepEqual(await b.candidates(REG, dg('cd', 2), ''), ['lib/c'])
      assert.deepEqual(await b.candidates('other:1', dg('ab', 1), ''), [], 'per registry')
      assert.equal(b.isPresent(REG, 'lib/c', dg('cd', 2)), false, 'presence is per process, never on disk')
    })
  })

  it('reads nothing until a candidate is asked for, and then only that digest’s shard', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'bl', REG), { recursive: true })
      await writeFile(shardFile(dir, REG, 'ab'), JSON.stringify({ version: 2, blobs: { [dg('ab', 1)]: ['lib/a'] } }))
      const c = new BlobLocationCache(join(dir, 'bl'))
      // replaced after the cache was made: a cache that read at start would still answer lib/a
      await writeFile(shardFile(dir, REG, 'ab'), JSON.stringify({ version: 2, blobs: { [dg('ab', 1)]: ['lib/z'] } }))
      assert.deepEqual(await c.candidates(REG, dg('ab', 1), ''), ['lib/z'])
    })
  })

  it('a flush merges with what another process wrote meanwhile; forget removes a wrong location', async () => {
    await withTempDir(async (dir) => {
      const a = new BlobLocationCache(join(dir, 'bl'))
      const b = new BlobLocationCache(join(dir, 'bl'))
      a.record(REG, 'lib/a', dg('ab', 1))
      a.record(REG, 'lib/gone', dg('ab', 3))
      await a.flush()
      b.record(REG, 'lib/b', dg('ab', 2))
      assert.deepEqual(await b.candidates(REG, dg('ab', 3), ''), ['lib/gone'])
      b.forget(REG, 'lib/gone', dg('ab', 3))
      assert.deepEqual(await b.candidates(REG, dg('ab', 3), ''), [])
      await b.flush()
      assert.deepEqual(await readShard(shardFile(dir, REG, 'ab')), {
        [dg('ab', 1)]: ['lib/a'],
        [dg('ab', 2)]: ['lib/b'],
      })
    })
  })

  it('a shard keeps at most MAX_BLOBS_PER_SHARD digests, dropping the least recently recorded', async () => {
    await withTempDir(async (dir) => {
      const a = new BlobLocationCache(join(dir, 'bl'))
      for (let i = 0; i < MAX_BLOBS_PER_SHARD; i++) a.record(REG, 'old', dg('ab', i))
      await a.flush()
      const b = new BlobLocationCache(join(dir, 'bl'))
      for (let i = 0; i < 10; i++) b.record(REG, 'new', dg('ab', 1000 + i))
      b.record(REG, 'again', dg('ab', 0)) // recorded again: recent, kept
      await b.flush()
      const blobs = await readShard(shardFile(dir, REG, 'ab'))
      assert.equal(Object.keys(blobs).length, MAX_BLOBS_PER_SHARD)
      assert.deepEqual(blobs[dg('ab', 0)], ['again', 'old'])
      assert.deepEqual(blobs[dg('ab', 1009)], ['new'])
      for (let i = 1; i <= 10; i++) assert.equal(blobs[dg('ab', i)], undefined, `oldest ${i} dropped`)
      assert.deepEqual(blobs[dg('ab', 11)], ['old'])
    })
  })

  it('an unreadable shard counts as empty and is rewritten; the format-1 file is removed; no temp files stay', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'bl', REG), { recursive: true })
      await writeFile(shardFile(dir, REG, 'ab'), '{"version":2,"blobs":{"sha256:ab')
      await writeFile(join(dir, 'blob-locations.json'), JSON.stringify({ version: 1, registries: {} }))
      const a = new BlobLocationCache(join(dir, 'bl'))
      assert.deepEqual(await a.candidates(REG, dg('ab', 1), ''), [])
      a.record(REG, 'lib/a', dg('ab', 1))
      await a.flush()
      assert.deepEqual(await readShard(shardFile(dir, REG, 'ab')), { [dg('ab', 1)]: ['lib/a'] })
      assert.equal(existsSync(join(dir, 'blob-locations.json')), false)
      assert.deepEqual(await readdir(join(dir, 'bl', REG)), ['ab.json'])
    })
  })

  it('a registry name is one folder; a flush with nothing recorded writes nothing', async () => {
    await withTempDir(async (dir) => {
      const a = new BlobLocationCache(join(dir, 'bl'))
      await a.flush()
      assert.equal(existsSync(join(dir, 'bl')), false)
      a.record('weird/..%name', 'r', dg('01', 1))
      await a.flush()
      assert.deepEqual(await readdir(join(dir, 'bl')), ['weird%2F..%25name'])
    })
  })
})
