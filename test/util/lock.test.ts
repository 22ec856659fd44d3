import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { acquireLock, withLock } from '../../src/util/lock.js'
import { withTempDir } from '../helpers/tools.js'

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  )

test('withLock: holders never overlap, and the lock file is gone afterwards', async () => {
  await withTempDir(async (tmp) => {
    const lock = join(tmp, 'x.lock')
    let inside = 0
    let maxInside = 0
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withLock(lock, async () => {
          inside++
          maxInside = Math.max(maxInside, inside)
          await sleep(5)
          order.push(i)
          inside--
        }),
      ),
    )
    assert.equal(maxInside, 1)
    assert.equal(order.length, 6)
    assert.equal(await exists(lock), false)
  })
})

test('withLock releases the lock when the function throws', async () => {
  await withTempDir(async (tmp) => {
    const lock = join(tmp, 'x.lock')
    await assert.rejects(
      withLock(lock, async () => {
        throw new Error('boom')
      }),
      /boom/,
    )
    assert.equal(await exists(lock), false)
    await withLock(lock, async () => undefined)
  })
})

test('a lock whose owner process is dead is broken', async () => {
  await withTempDir(async (tmp) => {
    const lock = join(tmp, 'x.lock')
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!
    await writeFile(lock, JSON.stringify({ pid: dead, host: hostname(), token: 'old', time: Date.now() }))
    const t0 = Date.now()
    await withLock(
      lock,
      async () => {
        assert.notEqual(JSON.parse(await readFile(lock, 'utf8')).token, 'old')
      },
      { timeoutMs: 5000 },
    )
    assert.ok(Date.now() - t0 < 2000)
  })
})

test('a lock older than staleMs is broken even if its owner looks alive', async () => {
  await withTempDir(async (tmp) => {
    const lock = join(tmp, 'x.lock')
    await writeFile(lock, JSON.stringify({ pid: process.ppid, host: hostname(), token: 'old', time: 0 }))
    const old = new Date(Date.now() - 120_000)
    await utimes(lock, old, old)
    await withLock(lock, async () => undefined, { staleMs: 30_000, timeoutMs: 5000 })
    assert.equal(await exists(lock), false)
  })
})

test('a live, fresh lock makes others wait and time out with a clear error', async () => {
  await withTempDir(async (tmp) => {
    const lock = join(tmp, 'x.lock')
    const held = await acquireLock(lock)
    try {
      await assert.rejects(acquireLock(lock, { timeoutMs: 150 }), (e: any) => {
        assert.equal(e.code, 'ERR_TIMEOUT')
        assert.ok(e.message.includes(lock))
        return true
      })
      const ac = new AbortController()
      setTimeout(() => ac.abort(), 50)
      await assert.rejects(acquireLock(lock, { signal: ac.signal }), { code: 'ERR_ABORTED' })
    } finally {
      await held.release()
    }
    assert.equal(await exists(lock), false)
  })
})

test('release never removes a lock that another holder took over', async () => {
  await withTempDir(async (tmp) => {
    const lock = join(tmp, 'x.lock')
    const held = await acquireLock(lock)
    // Someone judged it stale and took it over.
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), token: 'theirs', time: Date.now() }))
    await held.release()
    assert.equal(JSON.parse(await readFile(lock, 'utf8')).token, 'theirs')
  })
})
