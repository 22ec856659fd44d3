/**
 * planSync + runSync against a real registry behind a counting proxy: skip-if-present asks with
 * HEAD only, an interrupted sync re-run copies only what is missing, --force and --dry-run.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { smallImage, writeOciImage, writeOciIndex } from '../helpers/fixtures.js'
import { startProxy, startRegistry, type Registry, type RegistryProxy } from '../helpers/registry/index.js'
import { skopeo } from '../helpers/tools.js'
import { acceptAnything } from '../helpers/skiff.js'
import { planSync } from '../../src/sync/planner.js'
import { runSync, type SyncRunOptions } from '../../src/sync/executor.js'
import type { SyncEvent } from '../../src/sync/events.js'
import type { SyncDestSpec, SyncSourceSpec } from '../../src/sync/types.js'

let reg: Registry
let proxy: RegistryProxy
let work: string
const IMAGES = ['a:1', 'b:1', 'b:2', 'team/c:1']
const insecure = { registry: { tlsVerify: false } }

before(async () => {
  reg = await startRegistry()
  proxy = await startProxy(reg)
  work = await mkdtemp(join(tmpdir(), 'skiff-sync-exec-'))
  const layout = join(work, 'seed')
  for (const [i, name] of IMAGES.entries()) {
    await writeOciImage(
      layout,
      `i${i}`,
      smallImage(`x${i}`, { layers: [{ files: { base: 'shared' } }, { files: { [`f${i}`]: `${i}` } }] }),
    )
    assert.equal(
      (await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:i${i}`, `docker://${reg.host}/src/${name}`]))
        .code,
      0,
    )
  }
  await writeOciIndex(layout, 'multi', [
    smallImage('amd', { architecture: 'amd64' }),
    smallImage('arm', { architecture: 'arm64' }),
  ])
  assert.equal(
    (
      await skopeo([
        'copy',
        '--all',
        '--dest-tls-verify=false',
        `oci:${layout}:multi`,
        `docker://${reg.host}/src/multi:1`,
      ])
    ).code,
    0,
  )
  await writeFile(join(work, 'list.txt'), IMAGES.map((i) => `src/${i}`).join('\n') + '\n')
})

after(async () => {
  await proxy?.close()
  await reg?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

async function sync(src: SyncSourceSpec, dest: SyncDestSpec, o: Partial<SyncRunOptions> = {}) {
  const events: SyncEvent[] = []
  const summary = await runSync(planSync(src, dest, o.signal ? { signal: o.signal } : {}), {
    copy: { policy: acceptAnything, source: insecure, destination: insecure, ...(o.copy ?? {}) },
    onEvent: (e) => events.push(e),
    ...o,
  })
  return { summary, events }
}

const listSrc = (): SyncSourceSpec => ({
  kind: 'list',
  input: join(work, 'list.txt'),
  registry: `${proxy.host}`,
  options: insecure,
})

test('skip-if-present: a second sync to a registry issues only HEADs for the manifests, no GET, no blob request', async () => {
  const dest: SyncDestSpec = { kind: 'docker', target: `${proxy.host}/skip`, options: insecure }
  const first = await sync(listSrc(), dest)
  assert.equal(first.summary.copied, IMAGES.length)
  const before = proxy.requests().length
  const second = await sync(listSrc(), dest)
  assert.equal(second.summary.skipped, IMAGES.length)
  assert.ok(
    second.summary.images.every((r) => r.reason === 'present' && r.digest === first.summary.images[r.index]!.digest),
  )
  const reqs = proxy.requests().slice(before)
  const manifests = reqs.filter((r) => r.path.includes('/manifests/'))
  assert.equal(manifests.length, 2 * IMAGES.length, JSON.stringify(reqs.map((r) => `${r.method} ${r.path}`)))
  assert.ok(manifests.every((r) => r.method === 'HEAD'))
  assert.deepEqual(
    reqs.filter((r) => r.path.includes('/blobs/')),
    [],
  )

  const forced = await sync(listSrc(), dest, { force: true })
  assert.equal(forced.summary.copied, IMAGES.length)
})

test('an interrupted sync, re-run, copies only the missing images', async () => {
  const dest: SyncDestSpec = { kind: 'docker', target: `${proxy.host}/resume`, options: insecure }
  const ac = new AbortController()
  const first = await sync(listSrc(), dest, {
    jobs: 1,
    signal: ac.signal,
    onEvent: (e) => {
      if (e.type === 'image-done') ac.abort(new Error('interrupted'))
    },
  })
  const done = first.summary.copied
  assert.equal(done, 1)
  assert.ok(first.summary.notStarted >= 1)
  const second = await sync(listSrc(), dest)
  assert.equal(second.summary.skipped, done)
  assert.equal(second.summary.copied, IMAGES.length - done)
  assert.equal(second.summary.failed, 0)
})

test('dir destination: present images are skipped by their stored manifest digest, without reading source blobs', async () => {
  const out = join(work, 'dirdest')
  const dest: SyncDestSpec = { kind: 'dir', target: out }
  const first = await sync(listSrc(), dest)
  assert.equal(first.summary.copied, IMAGES.length)
  assert.ok(existsSync(join(out, 'src/team/c:1/manifest.json')))
  const before = proxy.requests().length
  const second = await sync(listSrc(), dest)
  assert.equal(second.summary.skipped, IMAGES.length)
  const reqs = proxy.requests().slice(before)
  assert.ok(
    reqs.every((r) => r.method === 'HEAD' || r.path === '/v2/'),
    JSON.stringify(reqs.map((r) => `${r.method} ${r.path}`)),
  )
})

test('a multi-platform source copied for one platform is recognised at the destination on the next run', async () => {
  const src: SyncSourceSpec = { kind: 'docker', input: `${proxy.host}/src/multi:1`, options: insecure }
  const dest: SyncDestSpec = { kind: 'docker', target: `${proxy.host}/one`, options: insecure }
  const copy = {
    policy: acceptAnything,
    source: insecure,
    destination: insecure,
    platform: { os: 'linux', architecture: 'arm64' },
  }
  const first = await sync(src, dest, { copy })
  assert.equal(first.summary.copied, 1)
  const before = proxy.requests().length
  const second = await sync(src, dest, { copy })
  assert.equal(second.summary.skipped, 1)
  assert.equal(second.summary.images[0]!.digest, first.summary.images[0]!.digest)
  const gets = proxy
    .requests()
    .slice(before)
    .filter((r) => r.method !== 'HEAD' && r.path !== '/v2/')
  assert.deepEqual(
    gets.map((r) => `${r.method} ${r.path}`),
    ['GET /v2/src/multi/manifests/1'],
    'one GET of the list to find the instance',
  )
  // another platform is not "present"
  const amd = await sync(src, dest, { copy: { ...copy, platform: { os: 'linux', architecture: 'amd64' } } })
  assert.equal(amd.summary.copied, 1)
})

test('--dry-run writes nothing and says which images are already present', async () => {
  const dest: SyncDestSpec = { kind: 'docker', target: `${proxy.host}/skip`, options: insecure }
  const before = proxy.requests().length
  const list = join(work, 'dry.txt')
  await writeFile(list, 'src/a:1\nsrc/b:2\n')
  const r = await sync({ ...listSrc(), input: list }, { ...dest, target: `${proxy.host}/dry` }, { dryRun: true })
  assert.deepEqual(
    r.summary.images.map((i) => [i.result, i.reason]),
    [
      ['skipped', 'dry-run'],
      ['skipped', 'dry-run'],
    ],
  )
  const again = await sync(listSrc(), dest, { dryRun: true })
  assert.ok(again.summary.images.every((i) => i.reason === 'present'))
  assert.deepEqual(
    proxy
      .requests()
      .slice(before)
      .filter((q) => !['GET', 'HEAD'].includes(q.method) || q.path.includes('/blobs/')),
    [],
  )
})

test('one image after another keeps the registry clients: one ping per client for the whole sync, not one per image', async () => {
  const dest: SyncDestSpec = { kind: 'docker', target: `${proxy.host}/pings`, options: insecure }
  const before = proxy.requests().length
  const r = await sync(listSrc(), dest, { jobs: 1 })
  assert.equal(r.summary.copied, IMAGES.length)
  const pings = proxy
    .requests()
    .slice(before)
    .filter((q) => q.method === 'GET' && q.path === '/v2/')
  // the reading client and the writing client (never shared: pool.ts) ping once each
  assert.equal(pings.length, 2, `${pings.length} pings for ${IMAGES.length} images copied one at a time`)
})

test('a blob an earlier image of the sync pushed to another repository is mounted without a HEAD first', async () => {
  const dest: SyncDestSpec = { kind: 'docker', target: `${proxy.host}/mountfirst`, options: insecure }
  const before = proxy.requests().length
  const r = await sync(listSrc(), dest, { jobs: 1 })
  assert.equal(r.summary.copied, IMAGES.length)
  const reqs = proxy.requests().slice(before)
  // source and destination are one registry here: mounts from the source repositories (known from
  // reading them) are HEAD-first as before; those from a repository the sync itself pushed to are not
  const mounts = reqs.filter(
    (q) =>
      q.method === 'POST' &&
      q.path.startsWith('/v2/mountfirst/') &&
      new URLSearchParams(q.query).get('from')?.startsWith('mountfirst/'),
  )
  // the shared base layer, pushed with a:1, is mounted into b and team/c (b:2 finds it in b itself)
  assert.ok(mounts.length >= 2, JSON.stringify(mounts.map((m) => `${m.path}?${m.query}`)))
  assert.ok(mounts.every((m) => m.status === 201))
  for (const m of mounts) {
    const digest = new URLSearchParams(m.query).get('mount')!
    const repo = m.path.replace(/^\/v2\//, '').replace(/\/blobs\/uploads\/$/, '')
    assert.deepEqual(
      reqs.filter((q) => q.method === 'HEAD' && q.path === `/v2/${repo}/blobs/${digest}`).map((q) => q.path),
      [],
      `no HEAD before the mount into ${repo}`,
    )
  }
})
