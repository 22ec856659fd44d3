import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { inShard, labelRepository, shardOf } from '../../src/sync/shard.js'
import { planSync } from '../../src/sync/planner.js'
import { shardFrom } from '../../src/cli/options/sync.js'
import { UsageError } from '../../src/cli/usage-error.js'

test('shard: the repository of a destination label (tag and digest dropped, host:port kept)', () => {
  assert.equal(labelRepository('app:v1'), 'app')
  assert.equal(labelRepository('kubesphere/kube-apiserver:v1.20.6-mirror'), 'kubesphere/kube-apiserver')
  assert.equal(labelRepository(`app@sha256:${'a'.repeat(64)}`), 'app')
  assert.equal(labelRepository('localhost:5000/ns/app:1'), 'localhost:5000/ns/app')
  assert.equal(labelRepository('localhost:5000/ns/app'), 'localhost:5000/ns/app')
  assert.equal(labelRepository('a/b'), 'a/b')
})

test('shard: first 4 bytes of sha256(repository) mod N, as `printf %s REPO | sha256sum` gives them', () => {
  for (const repo of ['src/app1', 'kubesphere/pause', 'busybox', 'a']) {
    const hex = execFileSync('sh', ['-c', 'printf %s "$1" | sha256sum', 'sh', repo], { encoding: 'utf8' }).slice(0, 8)
    for (const n of [1, 2, 3, 7, 64]) assert.equal(shardOf(repo, n), parseInt(hex, 16) % n, `${repo} mod ${n}`)
  }
})

test('shard: every tag of a repository lands in one shard; the shards partition the images', () => {
  const labels = Array.from({ length: 40 }, (_, i) => `team${i % 4}/app${i % 3}:${i}`)
  const n = 4
  const owners = labels.map((l) => [0, 1, 2, 3].filter((index) => inShard(l, { index, count: n })))
  for (const o of owners) assert.equal(o.length, 1)
  const byRepo = new Map<string, Set<number>>()
  labels.forEach((l, i) =>
    byRepo.set(labelRepository(l), (byRepo.get(labelRepository(l)) ?? new Set()).add(owners[i]![0]!)),
  )
  for (const s of byRepo.values()) assert.equal(s.size, 1)
  // not all in one shard
  assert.ok(new Set(owners.map((o) => o[0])).size > 1)
})

test('shard: planSync keeps only the shard’s images, and the shards together plan the whole sync', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = await mkdtemp(join(tmpdir(), 'skiff-shard-'))
  try {
    const list = join(dir, 'images.list')
    const lines = Array.from({ length: 30 }, (_, i) => `ns${i % 7}/app${i % 5}:${i}`)
    await writeFile(list, lines.join('\n'))
    const labels = async (shard?: { index: number; count: number }) => {
      const out: string[] = []
      const plan = planSync(
        { kind: 'list', input: list, registry: 'registry.example' },
        { kind: 'dir', target: join(dir, 'out') },
        shard ? { shard } : {},
      )
      for await (const it of plan) out.push(it.label)
      return out
    }
    const all = await labels()
    assert.equal(all.length, 30)
    const parts = await Promise.all([0, 1, 2].map((index) => labels({ index, count: 3 })))
    assert.deepEqual(parts.flat().sort(), [...all].sort())
    for (const p of parts) assert.ok(p.length > 0 && p.length < 30)
    assert.deepEqual(await labels({ index: 0, count: 1 }), all)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('shard flags: --shard-index, else JOB_COMPLETION_INDEX; bad values are usage errors', () => {
  assert.equal(shardFrom(undefined, undefined, '3'), undefined)
  assert.deepEqual(shardFrom(2, 5, undefined), { index: 2, count: 5 })
  assert.deepEqual(shardFrom(undefined, 5, '4'), { index: 4, count: 5 })
  assert.deepEqual(shardFrom(1, 5, '4'), { index: 1, count: 5 })
  const usage = (re: RegExp) => (e: unknown) => e instanceof UsageError && re.test(e.message)
  assert.throws(() => shardFrom(1, undefined, undefined), usage(/--shard-index needs --shard-count/))
  assert.throws(() => shardFrom(undefined, 3, undefined), usage(/needs --shard-index, or JOB_COMPLETION_INDEX/))
  assert.throws(() => shardFrom(undefined, 3, '3'), usage(/JOB_COMPLETION_INDEX must be from 0 to 2 .*got 3/))
  assert.throws(() => shardFrom(undefined, 3, 'x1'), usage(/JOB_COMPLETION_INDEX must be a shard index .*"x1"/))
  assert.throws(() => shardFrom(-1, 3, undefined), usage(/--shard-index must be from 0 to 2/))
  assert.throws(() => shardFrom(0, 0, undefined), usage(/--shard-count must be at least 1/))
})
