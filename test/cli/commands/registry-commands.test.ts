import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { startProxy, startRegistry, type Registry } from '../../helpers/registry/index.js'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { run, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'
import { isolatedEnv } from './registry-env.js'

const CREDS = 'carol:c4r0l-secret'

describe('list-tags, list-repos, inspect, untag and delete on docker:// through the CLI', () => {
  let reg: Registry // htpasswd, deletes enabled
  let plain: Registry // no auth, deletes disabled (docker-registry's default)
  let home: string
  let env: NodeJS.ProcessEnv
  let manifestDigest: string
  const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { env: { ...process.env, ...env } })
  before(async () => {
    ;[reg, plain] = await Promise.all([
      startRegistry({ htpasswd: { carol: 'c4r0l-secret' }, deleteEnabled: true }),
      startRegistry(),
    ])
    const { mkdtemp } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    home = await mkdtemp(join(tmpdir(), 'skiff-cli-registry-'))
    env = (await isolatedEnv(home)).env
    const layout = join(home, 'layout')
    manifestDigest = (await writeOciImage(layout, 'v1', smallImage('cli-registry'))).manifestDigest
    for (const tag of ['1', '2']) {
      const p = await skiff(
        [
          'copy',
          '-q',
          '--dest-tls-verify=false',
          '--dest-creds',
          CREDS,
          `oci:${layout}:v1`,
          `docker://${reg.host}/team/app:${tag}`,
        ],
        { env },
      )
      assert.equal(p.code, 0, p.stderr)
      const q = await skiff(
        ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${plain.host}/team/app:${tag}`],
        { env },
      )
      assert.equal(q.code, 0, q.stderr)
    }
  })
  after(async () => {
    await Promise.all([reg?.close(), plain?.close()])
    if (home) await (await import('node:fs/promises')).rm(home, { recursive: true, force: true })
  })

  it('copy oci → docker:// (--dest-creds) and back (--src-creds): skopeo sees the same digest', async () => {
    await withTempDir(async (dir) => {
      const raw = await skopeo([
        'inspect',
        '--raw',
        '--tls-verify=false',
        '--creds',
        CREDS,
        `docker://${reg.host}/team/app:1`,
      ])
      assert.equal(raw.code, 0, raw.stderr)
      assert.equal(sha256(raw.stdout), manifestDigest)
      const back = await skiff(
        [
          'copy',
          '-q',
          '--src-tls-verify=false',
          '--src-creds',
          CREDS,
          '--digestfile',
          join(dir, 'digest'),
          `docker://${reg.host}/team/app:1`,
          `oci:${join(dir, 'back')}:v1`,
        ],
        { env },
      )
      assert.equal(back.code, 0, back.stderr)
      const { readFile } = await import('node:fs/promises')
      assert.equal(await readFile(join(dir, 'digest'), 'utf8'), manifestDigest)
      const noCreds = await skiff(
        ['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/team/app:1`, `oci:${join(dir, 'x')}:v1`],
        { env },
      )
      assert.equal(noCreds.code, 1)
      assert.match(noCreds.stderr, /authentication required/)
    })
  })

  it('list-tags prints what skopeo prints, with each way of giving credentials', async () => {
    const repo = `docker://${reg.host}/team/app`
    const theirs = await skopeo(['list-tags', '--tls-verify=false', '--creds', CREDS, repo])
    assert.equal(theirs.code, 0, theirs.stderr)
    const [user, pass] = CREDS.split(':') as [string, string]
    await withTempDir(async (dir) => {
      const authFile = join(dir, 'auth.json')
      const { writeFile } = await import('node:fs/promises')
      await writeFile(
        authFile,
        JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(CREDS).toString('base64') } } }),
      )
      for (const flags of [
        ['--creds', CREDS],
        ['--username', user, '--password', pass],
        ['--authfile', authFile],
      ]) {
        const ours = await skiff(['list-tags', '--tls-verify=false', ...flags, repo], { env })
        assert.equal(ours.code, 0, ours.stderr)
        assert.equal(ours.stdout, theirs.stdout)
      }
      const anon = await skiff(['list-tags', '--tls-verify=false', '--authfile', authFile, '--no-creds', repo], { env })
      assert.equal(anon.code, 1)
      assert.match(anon.stderr, /authentication required/)
    })
    assert.deepEqual(JSON.parse(theirs.stdout), {
      Repository: `${reg.host}/team/app`,
      Tags: JSON.parse(theirs.stdout).Tags,
    })
    const missing = await skiff(['list-tags', '--tls-verify=false', `docker://${plain.host}/team/nope`], { env })
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /^skiff: docker:\/\/127\.0\.0\.1:\d+\/team\/nope: listing tags: image not found/)
    const tagged = await skiff(['list-tags', '--tls-verify=false', `docker://${plain.host}/team/app:1`], { env })
    assert.equal(tagged.code, 1)
    assert.match(tagged.stderr, /No tag or digest allowed in reference/)
  })

  it('inspect fills RepoTags from the registry as skopeo does; --no-tags skips the listing', async () => {
    const img = `docker://${reg.host}/team/app:2`
    for (const extra of [[], ['--no-tags']]) {
      const theirs = await skopeo(['inspect', '--tls-verify=false', '--creds', CREDS, ...extra, img])
      const ours = await skiff(['inspect', '--tls-verify=false', '--creds', CREDS, ...extra, img], { env })
      assert.equal(ours.code, 0, ours.stderr)
      const o = JSON.parse(ours.stdout)
      delete o.LayersData // skiff's addition (skopeo 1.9.3 has none)
      assert.deepEqual(o, JSON.parse(theirs.stdout), extra.join(' '))
    }
    const before = reg.requests().length
    await skiff(['inspect', '--tls-verify=false', '--creds', CREDS, '--no-tags', img], { env })
    assert.ok(
      !reg
        .requests()
        .slice(before)
        .some((r) => r.path.endsWith('/tags/list')),
      '--no-tags lists no tags',
    )
  })

  it('inspect writes no blob-location cache; copy from the same registry does', async () => {
    await withTempDir(async (dir) => {
      const cache = join(dir, 'cache')
      const e = { ...env, XDG_CACHE_HOME: cache }
      const img = `docker://${plain.host}/team/app:1`
      const r = await skiff(['inspect', '--tls-verify=false', img], { env: e })
      assert.equal(r.code, 0, r.stderr)
      assert.ok(!existsSync(cache), 'a read-only command leaves the cache alone')
      const c = await skiff(
        ['copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', img, `docker://${plain.host}/team/copy:1`],
        { env: e },
      )
      assert.equal(c.code, 0, c.stderr)
      assert.ok(existsSync(join(cache, 'skiff', 'blob-locations', plain.host)), 'copy records where the blobs live')
    })
  })

  it('list-repos prints the catalog', async () => {
    const r = await skiff(['list-repos', '--tls-verify=false', '--creds', CREDS, reg.host], { env })
    assert.equal(r.code, 0, r.stderr)
    const res = await fetch(`${reg.url}/v2/_catalog`, {
      headers: { authorization: `Basic ${Buffer.from(CREDS).toString('base64')}` },
    })
    const catalog = (await res.json()) as { repositories: string[] }
    assert.equal(
      r.stdout,
      `{\n    "Registry": "${reg.host}",\n    "Repositories": [\n${catalog.repositories.map((x) => `        "${x}"`).join(',\n')}\n    ]\n}\n`,
    )
    assert.ok(catalog.repositories.includes('team/app'))
    const bad = await skiff(['list-repos', 'not a registry'], { env })
    assert.equal(bad.code, 1)
  })

  it('untag on docker-registry 2.8 refuses clearly and changes nothing', async () => {
    for (const [r, flags] of [
      [reg, ['--creds', CREDS]],
      [plain, []],
    ] as const) {
      const u = await skiff(['untag', '--tls-verify=false', ...flags, `docker://${r.host}/team/app:1`], { env })
      assert.equal(u.code, 1)
      assert.match(
        u.stderr,
        /^skiff: docker:\/\/127\.0\.0\.1:\d+\/team\/app:1: the registry 127\.0\.0\.1:\d+ (cannot remove just a tag|has deletes disabled)/,
      )
      const tags = await skiff(['list-tags', '--tls-verify=false', ...flags, `docker://${r.host}/team/app`], { env })
      assert.deepEqual(JSON.parse(tags.stdout).Tags.sort(), ['1', '2'])
    }
    const local = await skiff(['untag', 'oci:/tmp/x:1'], { env })
    assert.match(local.stderr, /untag works on registry images only/)
  })

  it('--retry-times / --retry-delay reach the registry client', async () => {
    const proxy = await startProxy(plain, { unavailable: { times: 2, match: { path: '/manifests/' } } })
    try {
      const img = `docker://${proxy.host}/team/app:1`
      const none = await skiff(['inspect', '--raw', '--tls-verify=false', '--retry-times', '0', img], { env })
      assert.equal(none.code, 1, 'no retry with --retry-times 0')
      const some = await skiff(
        ['inspect', '--raw', '--tls-verify=false', '--retry-times', '2', '--retry-delay', '10ms', img],
        { env },
      )
      assert.equal(some.code, 0, some.stderr)
      assert.equal(sha256(some.stdout), manifestDigest)
      assert.equal(proxy.requests().filter((e) => e.fault === 'unavailable').length, 2)
    } finally {
      await proxy.close()
    }
  })

  it('delete: a clear message when deletes are disabled; then inspect exits 2', async () => {
    const off = await skiff(['delete', '--tls-verify=false', `docker://${plain.host}/team/app:1`], { env })
    assert.equal(off.code, 1)
    assert.match(off.stderr, /has deletes disabled .*storage\.delete\.enabled/)
    const missing = await skiff(
      ['delete', '--tls-verify=false', '--creds', CREDS, `docker://${reg.host}/team/app:nope`],
      { env },
    )
    assert.equal(missing.code, 2)

    const del = await skiff(['delete', '--tls-verify=false', '--creds', CREDS, `docker://${reg.host}/team/app:1`], {
      env,
    })
    assert.equal(del.code, 0, del.stderr)
    assert.equal(del.stdout, '')
    for (const tag of ['1', '2']) {
      const gone = await skiff(
        ['inspect', '--tls-verify=false', '--creds', CREDS, `docker://${reg.host}/team/app:${tag}`],
        { env },
      )
      assert.equal(gone.code, 2, `tag ${tag} pointed at the deleted manifest`)
    }
    const ours = await skiff(['list-tags', '--tls-verify=false', '--creds', CREDS, `docker://${reg.host}/team/app`], {
      env,
    })
    const theirs = await skopeo(['list-tags', '--tls-verify=false', '--creds', CREDS, `docker://${reg.host}/team/app`])
    assert.equal(ours.stdout, theirs.stdout)
    const local = await skiff(['delete', 'oci:/tmp/x:1'], { env })
    assert.equal(local.code, 1)
    assert.match(local.stderr, /deleting images is not supported for oci: images/)
  })
})
