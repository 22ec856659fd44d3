/**
 * `skiff sync` against a real docker-registry, with skopeo 1.9.3's sync as the oracle for naming
 * and digests. One registry for the whole file; each test writes below its own namespace.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

let reg: Registry
let work: string
const TAGS = ['v1', 'v2', '1.2.0', '1.4.0', '2.0.0']
const ACCEPT =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json'

const TLS = ['--src-tls-verify=false', '--dest-tls-verify=false']

before(async () => {
  reg = await startRegistry()
  work = await mkdtemp(join(tmpdir(), 'skiff-sync-cli-'))
  const layout = join(work, 'seed')
  for (const [i, t] of TAGS.entries())
    await writeOciImage(
      layout,
      t,
      smallImage(`img${i}`, {
        layers: [{ files: { 'base.txt': 'shared base' } }, { files: { [`f${i}`]: `content ${i}` } }],
      }),
    )
  await writeOciImage(layout, 'tool', smallImage('tool'))
  for (const t of TAGS)
    assert.equal(
      (await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:${t}`, `docker://${reg.host}/src/app:${t}`]))
        .code,
      0,
    )
  assert.equal(
    (
      await skopeo([
        'copy',
        '--dest-tls-verify=false',
        `oci:${layout}:tool`,
        `docker://${reg.host}/src/team/tool:latest`,
      ])
    ).code,
    0,
  )
})

after(async () => {
  await reg?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

async function tags(repo: string): Promise<string[]> {
  const r = await fetch(`${reg.url}/v2/${repo}/tags/list`)
  if (r.status === 404) return []
  return (((await r.json()) as { tags: string[] | null }).tags ?? []).sort()
}

async function repos(prefix: string): Promise<string[]> {
  const r = await fetch(`${reg.url}/v2/_catalog?n=1000`)
  return ((await r.json()) as { repositories: string[] }).repositories
    .filter((x) => x.startsWith(prefix + '/'))
    .map((x) => x.slice(prefix.length + 1))
    .sort()
}

async function digestOf(repo: string, ref: string): Promise<string | undefined> {
  const r = await fetch(`${reg.url}/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { accept: ACCEPT } })
  return r.status === 200 ? (r.headers.get('docker-content-digest') ?? undefined) : undefined
}

/** Every file below `root`, relative, sorted. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name))
      else out.push(relative(root, join(d, e.name)))
    }
  }
  if (existsSync(root)) await walk(root)
  return out.sort()
}

async function sameRegistryContent(a: string, b: string): Promise<void> {
  const ra = await repos(a)
  assert.deepEqual(ra, await repos(b))
  assert.ok(ra.length > 0)
  for (const r of ra) {
    const ta = await tags(`${a}/${r}`)
    assert.deepEqual(ta, await tags(`${b}/${r}`), r)
    for (const t of ta) assert.equal(await digestOf(`${a}/${r}`, t), await digestOf(`${b}/${r}`, t), `${r}:${t}`)
  }
}

test('sync docker → dir: every tag of a repository, named as skopeo names them (scoped and not)', async () => {
  await withTempDir(async (dir) => {
    for (const scoped of [[], ['--scoped']]) {
      const mine = join(dir, `skiff${scoped.length}`)
      const theirs = join(dir, `skopeo${scoped.length}`)
      const r = await skiff([
        '--insecure-policy',
        'sync',
        ...scoped,
        '--src',
        'docker',
        '--dest',
        'dir',
        ...TLS,
        `${reg.host}/src/app`,
        mine,
      ])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, '')
      assert.equal(
        (await skopeo(['sync', ...scoped, '--src', 'docker', '--dest', 'dir', ...TLS, `${reg.host}/src/app`, theirs]))
          .code,
        0,
      )
      const t = await tree(theirs)
      assert.equal(t.filter((f) => f.endsWith('manifest.json')).length, TAGS.length)
      assert.deepEqual(await tree(mine), t)
      for (const f of t.filter((x) => x.endsWith('manifest.json')))
        assert.deepEqual(await readFile(join(mine, f)), await readFile(join(theirs, f)), f)
    }
    // one tag only, by tag and by digest
    const d = await digestOf('src/app', 'v2')
    const r = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'docker',
      '--dest',
      'dir',
      ...TLS,
      `${reg.host}/src/app:v2`,
      join(dir, 'one'),
    ])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual((await readdir(join(dir, 'one'))).sort(), ['app:v2'])
    const rd = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'docker',
      '--dest',
      'dir',
      ...TLS,
      `${reg.host}/src/app@${d}`,
      join(dir, 'bydigest'),
    ])
    assert.equal(rd.code, 0, rd.stderr)
    assert.equal(
      (
        await skopeo([
          'sync',
          '--src',
          'docker',
          '--dest',
          'dir',
          ...TLS,
          `${reg.host}/src/app@${d}`,
          join(dir, 'bydigest-skopeo'),
        ])
      ).code,
      0,
    )
    assert.deepEqual(await tree(join(dir, 'bydigest')), await tree(join(dir, 'bydigest-skopeo')))
  })
})

test('sync docker → docker and dir → docker: same names and digests as skopeo', async () => {
  const r = await skiff([
    '--insecure-policy',
    'sync',
    '--src',
    'docker',
    '--dest',
    'docker',
    ...TLS,
    `${reg.host}/src/app`,
    `${reg.host}/d2d-skiff`,
  ])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(
    (
      await skopeo([
        'sync',
        '--src',
        'docker',
        '--dest',
        'docker',
        ...TLS,
        `${reg.host}/src/app`,
        `${reg.host}/d2d-skopeo`,
      ])
    ).code,
    0,
  )
  await sameRegistryContent('d2d-skiff', 'd2d-skopeo')
  // --scoped puts "127.0.0.1:PORT/src/app" into the repository path: an invalid name, for skopeo too
  const scoped = await skiff([
    '--insecure-policy',
    'sync',
    '--scoped',
    '--src',
    'docker',
    '--dest',
    'docker',
    ...TLS,
    `${reg.host}/src/app`,
    `${reg.host}/d2d-scoped`,
  ])
  assert.equal(scoped.code, 1)
  assert.match(scoped.stderr, /cannot name the destination docker:\/\/[^ ]+\/d2d-scoped\/127\.0\.0\.1:\d+\/src\/app:/)
  assert.equal(
    (
      await skopeo([
        'sync',
        '--scoped',
        '--src',
        'docker',
        '--dest',
        'docker',
        ...TLS,
        `${reg.host}/src/app`,
        `${reg.host}/d2d-scoped`,
      ])
    ).code,
    1,
  )
  await withTempDir(async (dir) => {
    const src = join(dir, 'images')
    assert.equal(
      (await skopeo(['sync', '--src', 'docker', '--dest', 'dir', ...TLS, `${reg.host}/src/app`, src])).code,
      0,
    )
    for (const scoped of [[], ['--scoped']]) {
      const s = scoped.length
      const r = await skiff([
        '--insecure-policy',
        'sync',
        ...scoped,
        '--src',
        'dir',
        '--dest',
        'docker',
        ...TLS,
        src,
        `${reg.host}/dir-skiff${s}/`,
      ])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(
        (
          await skopeo([
            'sync',
            ...scoped,
            '--src',
            'dir',
            '--dest',
            'docker',
            ...TLS,
            src,
            `${reg.host}/dir-skopeo${s}/`,
          ])
        ).code,
        0,
      )
      await sameRegistryContent(`dir-skiff${s}`, `dir-skopeo${s}`)
    }
  })
})

test('sync yaml → docker: images (tags, digests, all tags), images-by-tag-regex as skopeo; images-by-semver', async () => {
  await withTempDir(async (dir) => {
    const d = await digestOf('src/app', '1.2.0')
    const yaml = `${reg.host}:
  tls-verify: false
  images:
    src/team/tool: []
    src/app:
      - v1
      - "${d}"
  images-by-tag-regex:
    src/app: ^v[0-9]$
`
    await writeFile(join(dir, 'sync.yml'), yaml)
    const r = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      join(dir, 'sync.yml'),
      `${reg.host}/yaml-skiff`,
    ])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(
      (
        await skopeo([
          'sync',
          '--src',
          'yaml',
          '--dest',
          'docker',
          '--dest-tls-verify=false',
          join(dir, 'sync.yml'),
          `${reg.host}/yaml-skopeo`,
        ])
      ).code,
      0,
    )
    await sameRegistryContent('yaml-skiff', 'yaml-skopeo')
    assert.deepEqual(await tags('yaml-skiff/app'), ['v1', 'v2'])
    assert.equal(await digestOf('yaml-skiff/app', d!), d)

    await writeFile(
      join(dir, 'semver.yml'),
      `${reg.host}:\n  tls-verify: false\n  images-by-semver:\n    src/app: ">= 1.3, < 3"\n`,
    )
    const s = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      join(dir, 'semver.yml'),
      `${reg.host}/semver`,
    ])
    assert.equal(s.code, 0, s.stderr)
    // Masterminds/semver reads "v2" as 2.0.0, so skopeo selects it too
    assert.deepEqual(await tags('semver/app'), ['1.4.0', '2.0.0', 'v2'])
  })
})

test('sync list → docker, dir, oci: comments, duplicates, a missing image; --keep-going completes the others, exit 1', async () => {
  await withTempDir(async (dir) => {
    const list = join(dir, 'images-list.txt')
    await writeFile(
      list,
      `# mirror these\nsrc/app:v1\n\nsrc/team/tool:latest   # a tool\nsrc/missing:v9\nsrc/app:v1\n${reg.host}/src/app:1.4.0\n`,
    )
    const common = ['--insecure-policy', 'sync', '--src', 'list', '--src-registry', reg.host, ...TLS, '--keep-going']
    const r = await skiff([
      ...common,
      '--dest',
      'docker',
      '--report',
      join(dir, 'report.json'),
      list,
      `${reg.host}/mirror`,
    ])
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /\[\d\/4\] failed +src\/missing:v9: [^\n]*docker:\/\/[^ ]+\/src\/missing:v9[^\n]*not found/)
    assert.deepEqual(await repos('mirror'), ['src/app', 'src/team/tool'])
    assert.deepEqual(await tags('mirror/src/app'), ['1.4.0', 'v1'])
    for (const [repo, t] of [
      ['src/app', 'v1'],
      ['src/app', '1.4.0'],
      ['src/team/tool', 'latest'],
    ] as const) {
      const ins = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/mirror/${repo}:${t}`])
      assert.equal(ins.code, 0)
      assert.equal(await digestOf(`mirror/${repo}`, t), await digestOf(repo, t))
    }
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
    assert.equal(report.images.length, 4)
    assert.deepEqual(report.images.map((i: { result: string }) => i.result).sort(), [
      'copied',
      'copied',
      'copied',
      'failed',
    ])
    const failed = report.images.find((i: { result: string }) => i.result === 'failed')
    assert.equal(failed.source, `docker://${reg.host}/src/missing:v9`)
    assert.match(failed.error, /not found/)

    const rd = await skiff([...common, '--dest', 'dir', list, join(dir, 'out')])
    assert.equal(rd.code, 1)
    assert.deepEqual(
      (await tree(join(dir, 'out'))).filter((f) => f.endsWith('manifest.json')),
      ['src/app:1.4.0/manifest.json', 'src/app:v1/manifest.json', 'src/team/tool:latest/manifest.json'],
    )
    const ro = await skiff([...common, '--dest', 'oci', list, join(dir, 'layout')])
    assert.equal(ro.code, 1)
    for (const name of ['src/app:v1', 'src/app:1.4.0', 'src/team/tool:latest']) {
      const ins = await skopeo(['inspect', '--raw', `oci:${join(dir, 'layout')}:${name}`])
      assert.equal(ins.code, 0, `${name}: ${ins.stderr}`)
    }
  })
})

test('sync: without --keep-going the first failure stops new images; --dry-run copies nothing; --digestfile', async () => {
  await withTempDir(async (dir) => {
    const list = join(dir, 'l.txt')
    await writeFile(list, 'src/missing:v9\nsrc/app:v1\nsrc/app:v2\n')
    const r = await skiff([
      '--insecure-policy',
      'sync',
      '--jobs',
      '1',
      '--src',
      'list',
      '--src-registry',
      reg.host,
      ...TLS,
      '--dest',
      'docker',
      list,
      `${reg.host}/stop`,
    ])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /2 not started/)
    assert.deepEqual(await repos('stop'), [])

    const dry = await skiff([
      '--insecure-policy',
      'sync',
      '--dry-run',
      '--digestfile',
      join(dir, 'dry-digests'),
      '--src',
      'docker',
      '--dest',
      'dir',
      ...TLS,
      `${reg.host}/src/app`,
      join(dir, 'dry'),
    ])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(
      dry.stderr,
      /Would have synced 5 images from 1 sources \(dry run: nothing was copied; 0 already present\)/,
    )
    assert.ok(!existsSync(join(dir, 'dry')))
    assert.ok(!existsSync(join(dir, 'dry-digests')))

    const df = join(dir, 'digests')
    const ok = await skiff([
      '--insecure-policy',
      'sync',
      '--progress',
      'json',
      '--digestfile',
      df,
      '--src',
      'docker',
      '--dest',
      'docker',
      ...TLS,
      `${reg.host}/src/app`,
      `${reg.host}/dfile`,
    ])
    assert.equal(ok.code, 0, ok.stderr)
    const events = ok.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string })
    assert.equal(events.filter((e) => e.type === 'image-done').length, TAGS.length)
    assert.equal(events.at(-1)!.type, 'sync-done')
    const lines = (await readFile(df, 'utf8')).split('\n')
    assert.equal(lines.pop(), '')
    assert.equal(lines.length, TAGS.length)
    for (const l of lines) {
      const m = /^(sha256:[0-9a-f]{64}) docker:\/\/([^ ]+)\/dfile\/app:(\S+)$/.exec(l)
      assert.ok(m, l)
      assert.equal(m[2], reg.host)
      assert.equal(m[1], await digestOf('src/app', m[3]!))
    }
  })
})

test('sync oci → docker and docker → oci: one ref name per image; --append-suffix', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'layout')
    const r = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'docker',
      '--dest',
      'oci',
      '--include-tags',
      '^v',
      ...TLS,
      `${reg.host}/src/app`,
      layout,
    ])
    assert.equal(r.code, 0, r.stderr)
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'))
    assert.deepEqual(
      index.manifests
        .map((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name'])
        .sort(),
      ['app:v1', 'app:v2'],
    )
    const back = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'oci',
      '--dest',
      'docker',
      '--append-suffix',
      '-copy',
      ...TLS,
      layout,
      `${reg.host}/fromoci`,
    ])
    assert.equal(back.code, 0, back.stderr)
    assert.deepEqual(await tags('fromoci/app:v1'.split(':')[0]!), ['v1-copy', 'v2-copy'])
    // the digest skopeo gets copying the same layout image
    assert.equal(
      (
        await skopeo([
          'copy',
          '--dest-tls-verify=false',
          `oci:${layout}:app:v1`,
          `docker://${reg.host}/fromoci-skopeo/app:v1`,
        ])
      ).code,
      0,
    )
    assert.equal(await digestOf('fromoci/app', 'v1-copy'), await digestOf('fromoci-skopeo/app', 'v1'))
  })
})

test('sync: usage errors as skopeo', async () => {
  const none = await skiff(['sync', '--dest', 'dir', 'a', 'b'])
  assert.equal(none.code, 1)
  assert.match(none.stderr, /A source transport must be specified/)
  const dd = await skiff(['sync', '--src', 'dir', '--dest', 'dir', 'a', 'b'])
  assert.match(dd.stderr, /sync from 'dir' to 'dir' not implemented, consider using rsync instead/)
  const bad = await skiff(['sync', '--src', 'ftp', '--dest', 'dir', 'a', 'b'])
  assert.match(bad.stderr, /"ftp" is not a valid source transport/)
  const reg2 = await skiff(['sync', '--src', 'docker', '--src-registry', 'x.io', '--dest', 'dir', 'a', 'b'])
  assert.match(reg2.stderr, /--src-registry is only used with --src list/)
})
