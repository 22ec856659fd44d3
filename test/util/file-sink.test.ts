/**
 * Streaming into a new file (src/util/file-sink.ts), and the writers built on it: a failure is
 * reported only after the file's open is done and its descriptor closed, so the caller's cleanup
 * is final (with a bare `fs.createWriteStream` the open was usually still queued when the pipeline
 * rejected, and a caller's `rm` could run before it: the rare leftover temp file of the destination
 * contract test).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, readFile, readlink, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pbkdf2 } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeToFile } from '../../src/util/file-sink.js'
import { writeStreamAtomic } from '../../src/util/atomic.js'
import { spoolBlob } from '../../src/transports/shared/docker-tarfile/spool.js'
import { withTempDir } from '../helpers/tools.js'

/** A source that fails at its first read, as a dropped connection does. */
const failingAtFirstRead = (): Readable =>
  new Readable({
    read() {
      this.destroy(new Error('connection dropped'))
    },
  })

/** Keeps libuv's four threads busy for a moment, so a file open waits in the queue (as under load). */
function busyThreadPool(): void {
  for (let i = 0; i < 4; i++) pbkdf2('skiff', 'salt', 20_000, 32, 'sha256', () => undefined)
}

test('pipeToFile: when a failing source rejects it, the open is done and the file closed', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'out')
    for (let i = 0; i < 20; i++) {
      busyThreadPool()
      await assert.rejects(pipeToFile(path, failingAtFirstRead()), /connection dropped/)
      assert.ok(existsSync(path), 'rejected while the open of the file was still pending')
      const fds = await readdir('/proc/self/fd')
      const open = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')))
      assert.ok(!open.includes(path), 'the file is still open after pipeToFile rejected')
      await rm(path)
    }
    await pipeToFile(path, Readable.from([Buffer.from('abc')]))
    assert.equal(await readFile(path, 'utf8'), 'abc')
  })
})

test('writeStreamAtomic: a failing source leaves no temp file, not even one that appears later', async () => {
  await withTempDir(async (dir) => {
    for (let i = 0; i < 20; i++) {
      busyThreadPool()
      await assert.rejects(writeStreamAtomic(join(dir, 'blob'), failingAtFirstRead()), /connection dropped/)
      assert.deepEqual(await readdir(dir), [], 'a temp file was left behind')
    }
    await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(await readdir(dir), [], 'a temp file appeared after the failure was reported')
  })
})

test('spoolBlob: a failing source leaves no temp file, not even one that appears later', async () => {
  await withTempDir(async (dir) => {
    for (let i = 0; i < 20; i++) {
      busyThreadPool()
      await assert.rejects(spoolBlob(failingAtFirstRead(), { tmpdir: dir, what: 'layer' }), /connection dropped/)
      assert.deepEqual(await readdir(dir), [], 'a temp file was left behind')
    }
    await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(await readdir(dir), [], 'a temp file appeared after the failure was reported')
  })
})
