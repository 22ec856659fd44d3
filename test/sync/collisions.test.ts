import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolvePlan, SyncCollisionError } from '../../src/sync/collisions.js'
import { dirTransport } from '../../src/transports/dir/transport.js'
import { dockerTransport } from '../../src/transports/docker/transport.js'
import type { SyncItem } from '../../src/sync/types.js'

const item = (src: string, dest: string): SyncItem => ({
  source: dockerTransport.parseReference(`//${src}`),
  destination: dirTransport.parseReference(dest),
  label: dest,
  group: src.split(':')[0]!,
})

test('resolvePlan: repeated source → destination pairs are kept once, in plan order', () => {
  const plan = [
    item('a.io/app:1', '/d/app:1'),
    item('a.io/app:2', '/d/app:2'),
    item('a.io/app:1', '/d/app:1'),
    item('a.io/app:1', '/d/app:1'),
  ]
  assert.deepEqual(
    resolvePlan(plan).map((i) => i.destination.toString()),
    ['dir:/d/app:1', 'dir:/d/app:2'],
  )
  assert.deepEqual(resolvePlan([]), [])
})

test('resolvePlan: different sources for one destination refuse the plan, naming the destination and every source', () => {
  const plan = [
    item('a.io/x/beta:1', '/d/beta:1'),
    item('b.io/x/beta:1', '/d/beta:1'),
    item('a.io/x/beta:1', '/d/beta:1'),
    item('c.io/beta:1', '/d/beta:1'),
    item('a.io/ok:1', '/d/ok:1'),
  ]
  assert.throws(
    () => resolvePlan(plan),
    (e: unknown) => {
      assert.ok(e instanceof SyncCollisionError)
      assert.equal(e.code, 'ERR_INVALID_ARGUMENT')
      assert.deepEqual(e.collisions, [
        {
          destination: 'dir:/d/beta:1',
          sources: ['docker://a.io/x/beta:1', 'docker://b.io/x/beta:1', 'docker://c.io/beta:1'],
        },
      ])
      assert.match(
        e.message,
        /^two sources map to the same destination: dir:\/d\/beta:1 from docker:\/\/a\.io\/x\/beta:1 and docker:\/\/b\.io\/x\/beta:1 and docker:\/\/c\.io\/beta:1; nothing was copied/,
      )
      return true
    },
  )
  const many = Array.from({ length: 7 }, (_, i) => [
    item(`a.io/r${i}:1`, `/d/r${i}`),
    item(`b.io/r${i}:1`, `/d/r${i}`),
  ]).flat()
  assert.throws(() => resolvePlan(many), {
    message:
      /^7 destinations are each named by more than one source: dir:\/d\/r0 from docker:\/\/a\.io\/r0:1 and docker:\/\/b\.io\/r0:1; .*; and 2 more; nothing was copied/,
  })
})
