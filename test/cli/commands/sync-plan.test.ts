/**
 * `skiff sync` plans before it copies, side by side with skopeo 1.9.3 against real registries:
 * --dry-run prints skopeo's `Would have copied image ref N/M from=… to=…` lines and checks that each
 * source exists; two sources naming one destination refuse the sync before anything is written;
 * one image planned several times is copied once; tag patterns are Go (RE2) regular expressions.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { run, skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'
import { planSync } from '../../../src/sync/planner.js'
import { compileTagRegex } from '../../../src/sync/filters.js'
import type { SyncSourceSpec } from '../../../src/sync/types.js'

let reg: Registry
let reg2: Registry
let work: string
/** Tags of src/app (one image): what the regular expressions are matched against. */
const TAGS = ['1', '12', '123', 'v1.2', 'alpha', 'x9', 'beta', 'V2', '1.0-rc.1', '_under', 'latest']
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
const TLS = ['--src-tls-verify=false', '--dest-tls-verify=false']
const digests: Record<string, string> = {}

async function digestOf(r: Registry, repo: string, ref: string): Promise<string | undefined> {
  const res = await fetch(`${r.url}/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { accept: ACCEPT } })
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? undefined) : undefined
}

async function repos(r: Registry, prefix: string): Promise<string[]> {
  const res = await fetch(`${r.url}/v2/_catalog?n=1000`)
  return ((await res.json()) as { repositories: string[] }).repositories.filter((x) => x.startsWith(prefix + '/'))
}

before(async () => {
  ;[reg, reg2] = await Promise.all([startRegistry(), startRegistry()])
  work = await mkdtemp(join(tmpdir(), 'skiff-sync-plan-'))
  const layout = join(work, 'seed')
  await writeOciImage(layout, 'app', smallImage('app'))
  await writeOciImage(layout, 'one', smallImage('beta-one'))
  await writeOciImage(layout, 'two', smallImage('beta-two'))
  for (const t of TAGS)
    assert.equal(
      (await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:app`, `docker://${reg.host}/src/app:${t}`]))
        .code,
      0,
    )
  // the same name (x/beta:1) with different images in two registries, and a/beta, b/beta in one
  assert.equal(
    (await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:one`, `docker://${reg.host}/x/beta:1`])).code,
    0,
  )
  assert.equal(
    (await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:two`, `docker://${reg2.host}/x/beta:1`])).code,
    0,
  )
  assert.equal(
    (await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:one`, `docker://${reg.host}/a/beta:1`])).code,
    0,
  )
  assert.equal(
    (await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:two`, `docker://${reg.host}/b/beta:1`])).code,
    0,
  )
  digests.one = (await digestOf(reg, 'x/beta', '1'))!
  digests.two = (await digestOf(reg2, 'x/beta', '1'))!
  assert.notEqual(digests.one, digests.two)
})

after(async () => {
  await Promise.all([reg?.close(), reg2?.close()])
  if (work) await rm(work, { recursive: true, force: true })
})

/** skopeo's and skiff's log lines without the time field. */
const lines = (stderr: string, re: RegExp): string[] =>
  stderr
    .split('\n')
    .filter((l) => re.test(l))
    .map((l) => l.replace(/^time="[^"]+" /, ''))

/** The from= images of the "Would have copied" lines. */
const froms = (stderr: string): string[] =>
  lines(stderr, /msg="Would have copied image ref/)
    .map((l) => /from="([^"]+)"/.exec(l)![1]!)
    .sort()

test('--dry-run prints the lines skopeo prints (level=info msg="Would have copied image ref N/M" from=… to=…), on stderr, writing nothing', async () => {
  await withTempDir(async (dir) => {
    // a relative DESTINATION, as scripts write it: to="dir:out/app:1"
    const args = ['sync', '--dry-run', '--src', 'docker', '--dest', 'dir', ...TLS, `${reg.host}/src/app`, 'out']
    const mine = await skiff(['--insecure-policy', ...args], { cwd: dir })
    assert.equal(mine.code, 0, mine.stderr)
    assert.equal(mine.stdout, '')
    // skopeo in a folder of its own: it creates the (empty) image folders even in a dry run
    const cwd = join(dir, 'skopeo-cwd')
    await mkdir(cwd)
    const sk = await run('skopeo', ['--insecure-policy', ...args], { cwd })
    assert.equal(sk.code, 0, sk.stderr)
    const want = lines(sk.stderr, /msg="(Would have copied|Running in dry-run)/)
    assert.equal(want.length, TAGS.length + 1)
    assert.deepEqual(lines(mine.stderr, /msg="(Would have copied|Running in dry-run)/), want)
    for (const l of want.slice(1))
      assert.match(
        l,
        /^level=info msg="Would have copied image ref \d+\/11" from="docker:\/\/127\.0\.0\.1:\d+\/src\/app:[^"]+" to="dir:out\/app:[^"]+"$/,
      )
    assert.match(
      mine.stderr,
      /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)" level=info msg="Would have synced 11 images from 1 sources/m,
    )
    assert.ok(!existsSync(join(dir, 'out')), 'a dry run creates nothing')

    // a YAML file with two repositories: N/M counts within each repository, as skopeo
    const yaml = join(dir, 'two.yml')
    await writeFile(
      yaml,
      `${reg.host}:\n  tls-verify: false\n  images:\n    src/app: ["1", "12", "alpha"]\n    a/beta: ["1"]\n`,
    )
    const y = await skiff([
      '--insecure-policy',
      'sync',
      '--dry-run',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      yaml,
      `${reg.host}/dry`,
    ])
    assert.equal(y.code, 0, y.stderr)
    const ys = await skopeo([
      'sync',
      '--dry-run',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      yaml,
      `${reg.host}/dry`,
    ])
    assert.equal(ys.code, 0, ys.stderr)
    // skopeo walks the repositories of a YAML map in Go's random map order: compare as sets
    const re = /msg="Would have copied image ref/
    assert.deepEqual(lines(y.stderr, re).sort(), lines(ys.stderr, re).sort())
    assert.deepEqual(
      lines(y.stderr, re).filter((l) => l.includes('/a/beta:1')),
      [
        `level=info msg="Would have copied image ref 1/1" from="docker://${reg.host}/a/beta:1" to="docker://${reg.host}/dry/beta:1"`,
      ],
    )
    assert.deepEqual(await repos(reg, 'dry'), [])
  })
})

test('--dry-run checks that each source exists: a missing one fails as a real sync fails (exit 1, the same message); a present one is named', async () => {
  await withTempDir(async (dir) => {
    const yaml = join(dir, 'missing.yml')
    await writeFile(yaml, `${reg.host}:\n  tls-verify: false\n  images:\n    src/app: ["1", "nope"]\n`)
    const base = ['--insecure-policy', 'sync', '--src', 'yaml', '--dest', 'dir', yaml]
    const real = await skiff([...base, '--keep-going', join(dir, 'real')])
    const dry = await skiff([...base, '--keep-going', '--dry-run', join(dir, 'dry')])
    assert.equal(real.code, 1, real.stderr)
    assert.equal(dry.code, real.code, dry.stderr)
    const failed = (s: string): string[] =>
      s
        .split('\n')
        .filter((l) => / failed +app:nope: /.test(l))
        .map((l) => l.replace(/^\[\d+\/\d+\] /, ''))
    assert.deepEqual(failed(dry.stderr), failed(real.stderr))
    assert.match(
      failed(dry.stderr)[0]!,
      new RegExp(`^failed +app:nope: docker://${reg.host}/src/app:nope: reading manifest nope: image not found`),
    )
    assert.match(dry.stderr, /Would have copied image ref 1\/2" from="docker:\/\/[^"]+\/src\/app:1"/)
    assert.match(dry.stderr, /Sync failed due to previous reported error\(s\) for 1 image/)
    assert.ok(!existsSync(join(dir, 'dry')))
    // without --keep-going the dry run stops where the real sync stops, with the same exit code
    const stop = await skiff([...base, '--dry-run', '--jobs', '1', join(dir, 'dry')])
    assert.equal(stop.code, 1)
    assert.match(stop.stderr, /stopped at the first failure/)

    // a local source whose image is gone (an oci layout naming a manifest blob that was deleted):
    // the dry run fails with the message the copy gives
    const layout = join(dir, 'layout')
    const img = await writeOciImage(layout, 'gone', smallImage('gone'))
    await rm(join(layout, 'blobs', 'sha256', img.manifestDigest.slice('sha256:'.length)))
    const ociBase = [
      '--insecure-policy',
      'sync',
      '--src',
      'oci',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      layout,
      `${reg.host}/gone`,
    ]
    const ociReal = await skiff(ociBase)
    const ociDry = await skiff([...ociBase, '--dry-run'])
    assert.equal(ociReal.code, 1)
    assert.equal(ociDry.code, 1)
    const gone = (s: string): string =>
      s
        .split('\n')
        .find((l) => / failed +gone: /.test(l))!
        .replace(/^\[\d+\/\d+\] /, '')
    assert.equal(gone(ociDry.stderr), gone(ociReal.stderr))
    assert.doesNotMatch(ociDry.stderr, /Would have copied/)

    // an image the destination already holds: said so, with its digest
    const dest = `${reg.host}/present`
    assert.equal(
      (
        await skiff([
          '--insecure-policy',
          'sync',
          '--src',
          'docker',
          '--dest',
          'docker',
          ...TLS,
          `${reg.host}/a/beta:1`,
          dest,
        ])
      ).code,
      0,
    )
    const again = await skiff([
      '--insecure-policy',
      'sync',
      '--dry-run',
      '--src',
      'docker',
      '--dest',
      'docker',
      ...TLS,
      `${reg.host}/a/beta:1`,
      dest,
    ])
    assert.equal(again.code, 0, again.stderr)
    assert.ok(
      again.stderr.includes(
        `level=info msg="Would have skipped image ref 1/1: already present at the destination" digest="${digests.one}" from="docker://${reg.host}/a/beta:1" to="docker://${dest}/beta:1"`,
      ),
      again.stderr,
    )
    assert.match(
      again.stderr,
      /Would have synced 1 images from 1 sources \(dry run: nothing was copied; 1 already present\)/,
    )
  })
})

/** Every file and folder below `root` (relative), or [] when it does not exist. */
async function entries(root: string): Promise<string[]> {
  if (!existsSync(root)) return []
  return (await readdir(root, { recursive: true })).map(String).sort()
}

test('two sources naming one destination (x/beta:1 from two registries; a/beta:1 and b/beta:1): refused before anything is copied, both named, every run (dir and docker)', async () => {
  await withTempDir(async (dir) => {
    const twoRegistries = join(dir, 'two-registries.yml')
    await writeFile(
      twoRegistries,
      `${reg.host}:\n  tls-verify: false\n  images:\n    x/beta: ["1"]\n${reg2.host}:\n  tls-verify: false\n  images:\n    x/beta: ["1"]\n`,
    )
    const oneRegistry = join(dir, 'one-registry.yml')
    await writeFile(oneRegistry, `${reg.host}:\n  tls-verify: false\n  images:\n    a/beta: ["1"]\n    b/beta: ["1"]\n`)
    const list = join(dir, 'images.list')
    await writeFile(list, `${reg.host}/x/beta:1\n${reg2.host}/x/beta:1\n`)
    const cases: { src: string; file: string; a: string; b: string }[] = [
      { src: 'yaml', file: twoRegistries, a: `docker://${reg.host}/x/beta:1`, b: `docker://${reg2.host}/x/beta:1` },
      { src: 'yaml', file: oneRegistry, a: `docker://${reg.host}/a/beta:1`, b: `docker://${reg.host}/b/beta:1` },
      { src: 'list', file: list, a: `docker://${reg.host}/x/beta:1`, b: `docker://${reg2.host}/x/beta:1` },
    ]
    for (const [ci, c] of cases.entries()) {
      for (let run = 0; run < 5; run++) {
        const out = join(dir, `out${ci}`)
        const d = await skiff(['--insecure-policy', 'sync', '--src', c.src, ...TLS, '--dest', 'dir', c.file, out])
        assert.equal(d.code, 1, d.stderr)
        const dirDest = c.src === 'list' ? `dir:${out}/x/beta:1` : `dir:${out}/beta:1`
        assert.ok(
          d.stderr.includes(
            `two sources map to the same destination: ${dirDest} from ${c.a} and ${c.b}; nothing was copied`,
          ),
          d.stderr,
        )
        assert.deepEqual(await entries(out), [], `run ${run}: nothing written`)
        const ns = `col${ci}`
        const k = await skiff([
          '--insecure-policy',
          'sync',
          '--src',
          c.src,
          ...TLS,
          '--dest',
          'docker',
          c.file,
          `${reg.host}/${ns}`,
        ])
        assert.equal(k.code, 1, k.stderr)
        const dockerDest =
          c.src === 'list' ? `docker://${reg.host}/${ns}/x/beta:1` : `docker://${reg.host}/${ns}/beta:1`
        assert.ok(
          k.stderr.includes(
            `two sources map to the same destination: ${dockerDest} from ${c.a} and ${c.b}; nothing was copied`,
          ),
          k.stderr,
        )
        assert.deepEqual(await repos(reg, ns), [], `run ${run}: nothing pushed`)
      }
    }
    // --scoped keeps the sources apart: both are copied, each to its own name
    const scoped = await skiff([
      '--insecure-policy',
      'sync',
      '--scoped',
      '--src',
      'yaml',
      ...TLS,
      '--dest',
      'dir',
      oneRegistry,
      join(dir, 'scoped'),
    ])
    assert.equal(scoped.code, 0, scoped.stderr)
    assert.ok(existsSync(join(dir, 'scoped', reg.host, 'a', 'beta:1', 'manifest.json')))
    assert.ok(existsSync(join(dir, 'scoped', reg.host, 'b', 'beta:1', 'manifest.json')))
  })
})

test('one image planned three times (images + images-by-tag-regex + images-by-semver) is copied once, every run (dir and docker)', async () => {
  await withTempDir(async (dir) => {
    const yaml = join(dir, 'dup.yml')
    await writeFile(
      yaml,
      `${reg.host}:\n  tls-verify: false\n  images:\n    src/app: ["12"]\n  images-by-tag-regex:\n    src/app: ^12$\n  images-by-semver:\n    src/app: "= 12"\n`,
    )
    const want = await digestOf(reg, 'src/app', '12')
    for (let run = 0; run < 5; run++) {
      const out = join(dir, `out${run}`)
      const d = await skiff(['--insecure-policy', 'sync', '--src', 'yaml', '--dest', 'dir', yaml, out])
      assert.equal(d.code, 0, d.stderr)
      assert.match(d.stderr, /Summary: 1 copied, 0 skipped, 0 failed/)
      assert.deepEqual((await readdir(out)).sort(), ['app:12'], 'no leftovers beside the image folder')
      const back = await skopeo(['inspect', '--raw', `dir:${join(out, 'app:12')}`])
      assert.equal(back.code, 0, back.stderr)
      assert.equal((await skopeo(['copy', `dir:${join(out, 'app:12')}`, `oci:${join(dir, `check${run}`)}:x`])).code, 0)

      const k = await skiff([
        '--insecure-policy',
        'sync',
        '--src',
        'yaml',
        '--dest',
        'docker',
        '--dest-tls-verify=false',
        yaml,
        `${reg.host}/dup${run}`,
      ])
      assert.equal(k.code, 0, k.stderr)
      assert.match(k.stderr, /Summary: 1 copied, 0 skipped, 0 failed/)
      assert.equal(await digestOf(reg, `dup${run}/app`, '12'), want)
    }
  })
})

test('images-by-tag-regex and --include-tags/--exclude-tags are Go regular expressions (RE2), unanchored: the tags skopeo selects', async () => {
  await withTempDir(async (dir) => {
    const patterns = [
      '[[:digit:]]',
      '^[[:alpha:]]+$',
      '\\pL',
      '\\PL',
      '^\\p{Lu}',
      '(?i)^v',
      '^\\d{2,}$',
      '1',
      '^1$',
      '\\.',
      'rc\\.\\d$',
      '^\\w+$',
      '^[^[:digit:]]*$',
      'a|x',
      '\\Abeta\\z',
      '(?:12)+',
    ]
    const all = TAGS.map((t) => `docker://${reg.host}/src/app:${t}`)
    const access = { registry: { tlsVerify: false } }
    const planned = async (src: SyncSourceSpec, o: Parameters<typeof planSync>[2] = {}): Promise<string[]> => {
      const out: string[] = []
      for await (const i of planSync(src, { kind: 'docker', target: `${reg.host}/re` }, o))
        out.push(i.source.toString())
      return out.sort()
    }
    for (const [n, p] of patterns.entries()) {
      const yaml = join(dir, 'regex.yml')
      await writeFile(
        yaml,
        `${reg.host}:\n  tls-verify: false\n  images-by-tag-regex:\n    src/app: '${p.replace(/'/g, "''")}'\n`,
      )
      const common = [
        'sync',
        '--dry-run',
        '--src',
        'yaml',
        '--dest',
        'docker',
        '--dest-tls-verify=false',
        yaml,
        `${reg.host}/re`,
      ]
      const theirs = await skopeo(common)
      assert.equal(theirs.code, 0, theirs.stderr)
      const want = froms(theirs.stderr)
      // the planner in-process for every pattern (the CLI for a few: each spawn costs a second)
      const yamlSrc: SyncSourceSpec = { kind: 'yaml', input: yaml, options: access }
      assert.deepEqual(await planned(yamlSrc), want, `images-by-tag-regex ${p}`)
      const repo: SyncSourceSpec = { kind: 'docker', input: `${reg.host}/src/app`, options: access }
      assert.deepEqual(
        await planned(repo, { includeTags: await compileTagRegex(p, '--include-tags') }),
        want,
        `--include-tags ${p}`,
      )
      assert.deepEqual(
        await planned(repo, { excludeTags: await compileTagRegex(p, '--exclude-tags') }),
        all.filter((t) => !want.includes(t)).sort(),
        `--exclude-tags ${p}`,
      )
      if (n % 8 !== 0) continue
      const mine = await skiff(['--insecure-policy', ...common])
      assert.deepEqual(froms(mine.stderr), want, `skiff sync images-by-tag-regex ${p}`)
      const inc = await skiff([
        '--insecure-policy',
        'sync',
        '--dry-run',
        '--include-tags',
        p,
        '--exclude-tags',
        '^x',
        '--src',
        'docker',
        '--dest',
        'docker',
        ...TLS,
        `${reg.host}/src/app`,
        `${reg.host}/re`,
      ])
      assert.equal(inc.code, 0, inc.stderr)
      assert.deepEqual(
        froms(inc.stderr),
        want.filter((t) => !/:x[^:]*$/.test(t)),
        `skiff sync --include-tags ${p} --exclude-tags ^x`,
      )
    }
    // the classes JavaScript's RegExp reads differently select tags, as in skopeo (7 tags have a digit)
    const y = join(dir, 'regex.yml')
    await writeFile(y, `${reg.host}:\n  tls-verify: false\n  images-by-tag-regex:\n    src/app: '[[:digit:]]'\n`)
    assert.equal(
      froms(
        (
          await skiff([
            '--insecure-policy',
            'sync',
            '--dry-run',
            '--src',
            'yaml',
            '--dest',
            'docker',
            '--dest-tls-verify=false',
            y,
            `${reg.host}/re`,
          ])
        ).stderr,
      ).length,
      7,
    )
  })
})

test('a pattern Go rejects ((?=…), back-references) is refused with the key, the registry and the pattern; skopeo rejects it too', async () => {
  await withTempDir(async (dir) => {
    for (const p of ['(?=1)', '(a)\\1', 'x{1001}', '[']) {
      const yaml = join(dir, 'bad.yml')
      await writeFile(
        yaml,
        `${reg.host}:\n  tls-verify: false\n  images:\n    a/beta: ["1"]\n  images-by-tag-regex:\n    src/app: '${p}'\n`,
      )
      const theirs = await skopeo([
        'sync',
        '--dry-run',
        '--src',
        'yaml',
        '--dest',
        'dir',
        yaml,
        join(dir, 'skopeo-out'),
      ])
      assert.match(theirs.stderr, /Error parsing regex, skipping/, p)
      // logrus quotes the message as Go's %q does (JSON-compatible for these)
      const goError = (
        JSON.parse(
          `"${/level=error msg="(error parsing regexp: (?:[^"\\]|\\.)*)"/.exec(theirs.stderr)![1]!}"`,
        ) as string
      ).replace(/^error parsing regexp: /, '')
      const mine = await skiff(['--insecure-policy', 'sync', '--src', 'yaml', '--dest', 'dir', yaml, join(dir, 'out')])
      assert.equal(mine.code, 1, mine.stderr)
      assert.ok(
        mine.stderr.includes(
          `${yaml}: ${reg.host}: images-by-tag-regex: src/app: invalid regular expression "${p}": ${goError}`,
        ),
        `${p}: ${mine.stderr} / ${goError}`,
      )
      assert.ok(!existsSync(join(dir, 'out')), 'nothing copied, not even the other images')
      const flag = await skiff([
        '--insecure-policy',
        'sync',
        '--include-tags',
        p,
        '--src',
        'docker',
        '--dest',
        'dir',
        ...TLS,
        `${reg.host}/src/app`,
        join(dir, 'out'),
      ])
      assert.equal(flag.code, 1)
      assert.ok(flag.stderr.includes(`--include-tags: invalid regular expression "${p}": ${goError}`), flag.stderr)
      assert.ok(!existsSync(join(dir, 'out')))
    }
  })
})

test('--dest dir re-run: an image folder with a missing or truncated blob is copied again (repaired), a complete one is skipped', async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'out')
    const args = [
      '--insecure-policy',
      'sync',
      '--src',
      'docker',
      '--dest',
      'dir',
      '--src-tls-verify=false',
      `${reg.host}/x/beta:1`,
      out,
    ]
    const first = await skiff(args)
    assert.equal(first.code, 0, first.stderr)
    const folder = join(out, 'beta:1')
    const blobs = (await readdir(folder)).filter((f) => /^[0-9a-f]{64}$/.test(f)).sort()
    assert.equal(blobs.length, 3, 'config and two layers')
    const complete = await skiff(args)
    assert.match(complete.stderr, /skipped beta:1: already present/)
    for (const [i, damage] of ['delete', 'truncate'].entries()) {
      const victim = join(folder, blobs[i]!)
      if (damage === 'delete') await rm(victim)
      else await writeFile(victim, 'short')
      const bad = await skopeo(['copy', `dir:${folder}`, `oci:${join(dir, `bad${i}`)}:x`])
      assert.notEqual(bad.code, 0, `skopeo refuses the damaged folder (${damage})`)
      const again = await skiff(args)
      assert.equal(again.code, 0, again.stderr)
      assert.match(again.stderr, /copied +beta:1 /, `${damage}: copied again, not "already present"`)
      const ok = await skopeo(['copy', `dir:${folder}`, `oci:${join(dir, `good${i}`)}:x`])
      assert.equal(ok.code, 0, `${damage}: ${ok.stderr}`)
      assert.deepEqual((await readdir(out)).sort(), ['beta:1'], 'no leftovers')
      assert.match((await skiff(args)).stderr, /skipped beta:1: already present/)
    }
  })
})
