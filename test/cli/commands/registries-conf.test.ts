/**
 * registries.conf through the CLI, side by side with skopeo 1.9.3 (containers-registries.conf(5)):
 * one resolution path for every command. Reads of images (copy/sync sources, inspect's manifest)
 * go to the mirrors, then the `location` rewrite, each with its own `insecure`; pushes, deletes and
 * tag lists (list-tags, inspect's RepoTags, sync's tag listing) go to the registry the user named.
 * Every run uses --registries-conf (skopeo's hidden global flag) and an isolated HOME.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startProxy, startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { requireTool, run, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'
import { isolatedEnv } from './registry-env.js'

describe('registries.conf: rewrites, mirrors and insecure for every command (as skopeo)', () => {
  let named: Registry // the registry the user names
  let located: Registry // the `location` rewrite's target
  let mirror: Registry
  let home: string
  let env: NodeJS.ProcessEnv
  let closed: string // 127.0.0.1:PORT with nothing listening
  const digests: Record<string, string> = {}
  const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { env: { ...process.env, ...env } })
  const sk = (args: string[]) => skiff(args, { env })
  /** Tags as the registry itself lists them (no registries.conf involved). */
  const tagsAt = async (reg: Registry, repo: string): Promise<string[]> => {
    const r = await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/${repo}`])
    assert.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout).Tags as string[]).sort()
  }
  const conf = async (name: string, text: string): Promise<string> => {
    const p = join(home, name)
    await writeFile(p, text)
    return p
  }

  before(async () => {
    requireTool('skopeo')
    ;[named, located, mirror] = await Promise.all([
      startRegistry({ deleteEnabled: true }),
      startRegistry({ deleteEnabled: true }),
      startRegistry(),
    ])
    closed = `127.0.0.1:${await freePort()}`
    home = await mkdtemp(join(tmpdir(), 'skiff-cli-regconf-'))
    env = (await isolatedEnv(home)).env
    const seed = async (name: string, reg: Registry, ...refs: string[]) => {
      const layout = join(home, 'layouts', name)
      digests[name] = (await writeOciImage(layout, 'v1', smallImage(name))).manifestDigest
      for (const ref of refs) {
        const r = await skopeo([
          'copy',
          '-q',
          '--dest-tls-verify=false',
          `oci:${layout}:v1`,
          `docker://${reg.host}/${ref}`,
        ])
        assert.equal(r.code, 0, r.stderr)
      }
    }
    await seed('named-common', named, 'r:common', 's:t1')
    await seed('named-only', named, 'r:named-only')
    await seed('located-common', located, 'r:common', 's:t1')
    await seed('located-only', located, 'r:located-only', 's:t2')
    await seed('mirror-only', mirror, 'r:mirror-only')
    for (const n of ['push-skiff', 'push-skopeo']) {
      digests[n] = (await writeOciImage(join(home, 'layouts', n), 'v1', smallImage(n))).manifestDigest
    }
  })
  after(async () => {
    await Promise.all([named?.close(), located?.close(), mirror?.close()])
    if (home) await rm(home, { recursive: true, force: true })
  })

  it('a `location` rewrite is for pulls only: push, delete, list-tags, RepoTags and sync listing go to the named registry', async () => {
    const c = [
      '--registries-conf',
      await conf(
        'rewrite.conf',
        `[[registry]]\nprefix = "${named.host}"\nlocation = "${located.host}"\ninsecure = true\n`,
      ),
    ]
    const repo = `docker://${named.host}/r`

    // push: into the named registry, not the rewritten one (skopeo does the same)
    const ours = await sk([...c, 'copy', '-q', `oci:${join(home, 'layouts', 'push-skiff')}:v1`, `${repo}:pushed-skiff`])
    assert.equal(ours.code, 0, ours.stderr)
    const theirs = await skopeo([
      ...c,
      'copy',
      '-q',
      `oci:${join(home, 'layouts', 'push-skopeo')}:v1`,
      `${repo}:pushed-skopeo`,
    ])
    assert.equal(theirs.code, 0, theirs.stderr)
    assert.deepEqual(await tagsAt(named, 'r'), ['common', 'named-only', 'pushed-skiff', 'pushed-skopeo'])
    assert.deepEqual(await tagsAt(located, 'r'), ['common', 'located-only'])

    // list-tags: the named registry's tags
    const lt = await sk([...c, 'list-tags', repo])
    assert.equal(lt.code, 0, lt.stderr)
    const ltTheirs = await skopeo([...c, 'list-tags', repo])
    assert.equal(ltTheirs.code, 0, ltTheirs.stderr)
    assert.deepEqual(JSON.parse(lt.stdout), JSON.parse(ltTheirs.stdout))
    assert.deepEqual([...JSON.parse(lt.stdout).Tags].sort(), ['common', 'named-only', 'pushed-skiff', 'pushed-skopeo'])

    // inspect: the manifest comes from the rewritten location, RepoTags from the named registry
    const ins = await sk([...c, 'inspect', `${repo}:located-only`])
    assert.equal(ins.code, 0, ins.stderr)
    const insTheirs = await skopeo([...c, 'inspect', `${repo}:located-only`])
    assert.equal(insTheirs.code, 0, insTheirs.stderr)
    const [a, b] = [JSON.parse(ins.stdout), JSON.parse(insTheirs.stdout)]
    assert.equal(a.Digest, digests['located-only'])
    assert.equal(a.Digest, b.Digest)
    assert.equal(a.Name, b.Name)
    assert.deepEqual([...a.RepoTags].sort(), [...b.RepoTags].sort())
    assert.deepEqual([...a.RepoTags].sort(), ['common', 'named-only', 'pushed-skiff', 'pushed-skopeo'])

    // sync --src docker REPO: the named registry's tags (s:t1 only), each pulled through the rewrite
    await withTempDir(async (dir) => {
      const s = await sk([...c, 'sync', '--src', 'docker', '--dest', 'dir', `${named.host}/s`, join(dir, 'ours')])
      assert.equal(s.code, 0, s.stderr)
      const t = await skopeo([...c, 'sync', '--src', 'docker', '--dest', 'dir', `${named.host}/s`, join(dir, 'theirs')])
      assert.equal(t.code, 0, t.stderr)
      const digestOf = async (p: string) =>
        (await run('skopeo', ['manifest-digest', join(p, 'manifest.json')])).stdout.trim()
      for (const side of ['ours', 'theirs']) {
        assert.deepEqual((await readdir(join(dir, side))).sort(), ['s:t1'], side)
        assert.equal(await digestOf(join(dir, side, 's:t1')), digests['located-common'], side)
      }
      // a re-run finds it present: the skip check asks the rewritten location for the source's digest, as a copy would
      const again = await sk([
        ...c,
        'sync',
        '--src',
        'docker',
        '--dest',
        'dir',
        '--report',
        join(dir, 'report.json'),
        `${named.host}/s`,
        join(dir, 'ours'),
      ])
      assert.equal(again.code, 0, again.stderr)
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
      assert.deepEqual(
        report.images.map((i: { result: string; reason?: string }) => [i.result, i.reason]),
        [['skipped', 'present']],
        JSON.stringify(report),
      )
    })

    // delete: from the named registry (deleting by digest there); the rewritten one keeps its images
    const del = await sk([...c, 'delete', `${repo}:pushed-skiff`])
    assert.equal(del.code, 0, del.stderr)
    const delTheirs = await skopeo([...c, 'delete', `${repo}:pushed-skopeo`])
    assert.equal(delTheirs.code, 0, delTheirs.stderr)
    assert.deepEqual(await tagsAt(named, 'r'), ['common', 'named-only'])
    assert.deepEqual(await tagsAt(located, 'r'), ['common', 'located-only'])
  })

  it("a rewrite to a plain-HTTP registry: the entry's insecure = true serves copy, inspect and sync alike", async () => {
    const c = [
      '--registries-conf',
      await conf(
        'insecure.conf',
        `[[registry]]\nprefix = "${closed}/app"\nlocation = "${located.host}/r"\ninsecure = true\n`,
      ),
    ]
    const ref = `docker://${closed}/app:located-only`
    await withTempDir(async (dir) => {
      const cp = await sk([...c, 'copy', '-q', ref, `dir:${join(dir, 'copy')}`])
      assert.equal(cp.code, 0, cp.stderr)
      const cpTheirs = await skopeo([...c, 'copy', '-q', ref, `dir:${join(dir, 'copy-skopeo')}`])
      assert.equal(cpTheirs.code, 0, cpTheirs.stderr)
      const ins = await sk([...c, 'inspect', '--no-tags', ref])
      assert.equal(ins.code, 0, ins.stderr)
      assert.equal(JSON.parse(ins.stdout).Digest, digests['located-only'])
      assert.equal(JSON.parse(ins.stdout).Name, `${closed}/app`)
      const sy = await sk([
        ...c,
        'sync',
        '--src',
        'docker',
        '--dest',
        'dir',
        `${closed}/app:located-only`,
        join(dir, 'sync'),
      ])
      assert.equal(sy.code, 0, sy.stderr)
      const syTheirs = await skopeo([
        ...c,
        'sync',
        '--src',
        'docker',
        '--dest',
        'dir',
        `${closed}/app:located-only`,
        join(dir, 'sync-skopeo'),
      ])
      assert.equal(syTheirs.code, 0, syTheirs.stderr)
      assert.deepEqual(
        await readFile(join(dir, 'sync', 'app:located-only', 'manifest.json')),
        await readFile(join(dir, 'sync-skopeo', 'app:located-only', 'manifest.json')),
      )
    })
    // Tag lists go to the named registry — nothing listens there — for skopeo too.
    const lt = await sk([...c, 'list-tags', `docker://${closed}/app`])
    assert.notEqual(lt.code, 0)
    assert.match(lt.stderr, new RegExp(closed.replace(/\./g, '\\.')))
    assert.notEqual((await skopeo([...c, 'list-tags', `docker://${closed}/app`])).code, 0)
    // Without insecure on the entry, the rewritten plain-HTTP registry is refused (TLS required).
    const strict = [
      '--registries-conf',
      await conf(
        'strict.conf',
        `[[registry]]\nprefix = "${closed}/app"\nlocation = "${located.host}/r"\n[[registry]]\nlocation = "${located.host}"\ninsecure = true\n`,
      ),
    ]
    const ours = await sk([...strict, 'inspect', '--no-tags', ref])
    const theirs = await skopeo([...strict, 'inspect', '--no-tags', ref])
    assert.notEqual(
      theirs.code,
      0,
      'skopeo requires TLS: the rewritten name matching another insecure [[registry]] does not count',
    )
    assert.notEqual(ours.code, 0, ours.stdout)
  })

  it('mirrors: each with its own insecure, tried in order; RepoTags still from the named registry', async () => {
    const text = [
      `[[registry]]\nlocation = "${named.host}"\ninsecure = true`,
      `[[registry.mirror]]\nlocation = "${located.host}"`, // plain HTTP, not insecure: skipped with a TLS error
      `[[registry.mirror]]\nlocation = "${mirror.host}"\ninsecure = true`,
    ].join('\n')
    const c = ['--registries-conf', await conf('mirror.conf', text + '\n')]
    for (const [tag, digest] of [
      ['mirror-only', digests['mirror-only']],
      ['named-only', digests['named-only']],
    ] as const) {
      const ins = await sk([...c, 'inspect', `docker://${named.host}/r:${tag}`])
      assert.equal(ins.code, 0, ins.stderr)
      const theirs = await skopeo([...c, 'inspect', `docker://${named.host}/r:${tag}`])
      assert.equal(theirs.code, 0, theirs.stderr)
      const [a, b] = [JSON.parse(ins.stdout), JSON.parse(theirs.stdout)]
      assert.equal(a.Digest, digest)
      assert.equal(a.Digest, b.Digest)
      assert.deepEqual([...a.RepoTags].sort(), [...b.RepoTags].sort())
      assert.deepEqual([...a.RepoTags].sort(), await tagsAt(named, 'r'))
    }
    // list-tags: the named registry's, not a mirror's
    const lt = await sk([...c, 'list-tags', `docker://${named.host}/r`])
    assert.equal(lt.code, 0, lt.stderr)
    const ltTheirs = await skopeo([...c, 'list-tags', `docker://${named.host}/r`])
    assert.deepEqual(JSON.parse(lt.stdout), JSON.parse(ltTheirs.stdout))
    assert.deepEqual([...JSON.parse(lt.stdout).Tags].sort(), await tagsAt(named, 'r'))
    // located has "common" too, but it is not insecure: the copy reads "common" from the named registry.
    await withTempDir(async (dir) => {
      const cp = await sk([
        ...c,
        'copy',
        '-q',
        '--digestfile',
        join(dir, 'd'),
        `docker://${named.host}/r:common`,
        `dir:${join(dir, 'x')}`,
      ])
      assert.equal(cp.code, 0, cp.stderr)
      assert.equal(await readFile(join(dir, 'd'), 'utf8'), digests['named-common'])
    })
  })

  it('--src-creds go to the named registry only, never to a mirror on another host', async () => {
    const locked = await startRegistry({ htpasswd: { erin: 'er1n-secret' } })
    const proxy = await startProxy(locked)
    try {
      const seeded = await skopeo([
        'copy',
        '-q',
        '--dest-tls-verify=false',
        '--dest-creds',
        'erin:er1n-secret',
        `oci:${join(home, 'layouts', 'named-only')}:v1`,
        `docker://${locked.host}/r:named-only`,
      ])
      assert.equal(seeded.code, 0, seeded.stderr)
      const c = [
        '--registries-conf',
        await conf(
          'creds-mirror.conf',
          `[[registry]]\nlocation = "${named.host}"\ninsecure = true\n[[registry.mirror]]\nlocation = "${proxy.host}"\ninsecure = true\n`,
        ),
      ]
      await withTempDir(async (dir) => {
        // The mirror asks for credentials and gets none (401), so the image comes from the named registry.
        const ours = await sk([
          ...c,
          'copy',
          '-q',
          '--src-creds',
          'erin:er1n-secret',
          `docker://${named.host}/r:named-only`,
          `dir:${join(dir, 'ours')}`,
        ])
        assert.equal(ours.code, 0, ours.stderr)
        const theirs = await skopeo([
          ...c,
          'copy',
          '-q',
          '--src-creds',
          'erin:er1n-secret',
          `docker://${named.host}/r:named-only`,
          `dir:${join(dir, 'theirs')}`,
        ])
        assert.equal(theirs.code, 0, theirs.stderr)
      })
      assert.ok(
        proxy.requests().some((e) => e.path.includes('/manifests/named-only')),
        'the mirror was tried',
      )
      // (skopeo sends an empty "Basic Og==" after the 401; the user's credentials never)
      const leaked = proxy.requests().filter(
        (e) =>
          e.authorization !== undefined &&
          Buffer.from(e.authorization.replace(/^Basic /, ''), 'base64')
            .toString()
            .includes('erin'),
      )
      assert.deepEqual(leaked, [], 'the credentials never reached the mirror')
    } finally {
      await proxy.close()
      await locked.close()
    }
  })

  it('blocked applies to pushes, deletes and tag lists of the named registry too', async () => {
    const c = [
      '--registries-conf',
      await conf('blocked.conf', `[[registry]]\nlocation = "${named.host}"\ninsecure = true\nblocked = true\n`),
    ]
    const before = (await named.requests()).length
    for (const args of [
      ['copy', '-q', `oci:${join(home, 'layouts', 'push-skiff')}:v1`, `docker://${named.host}/r:blocked`],
      ['delete', `docker://${named.host}/r:named-only`],
      ['list-tags', `docker://${named.host}/r`],
    ]) {
      const ours = await sk([...c, ...args])
      assert.equal(ours.code, 1, `${args[0]}: ${ours.stderr}`)
      assert.match(ours.stderr, /is blocked in/)
      const theirs = await skopeo([...c, ...args])
      assert.notEqual(theirs.code, 0)
      assert.match(theirs.stderr, /is blocked in/)
    }
    assert.equal(named.requests().length, before, 'nothing was sent to a blocked registry')
  })

  it('--registries-conf FILE reads the drop-ins of ~/.config/containers/registries.conf.d too; $CONTAINERS_REGISTRIES_CONF is honoured', async () => {
    const main = await conf('main.conf', `[[registry]]\nlocation = "${closed}"\n`)
    const dropIns = join(env.HOME!, '.config', 'containers', 'registries.conf.d')
    await mkdir(dropIns, { recursive: true })
    try {
      await writeFile(join(dropIns, '50-insecure.conf'), `[[registry]]\nlocation = "${named.host}"\ninsecure = true\n`)
      const ours = await sk(['--registries-conf', main, 'inspect', '--no-tags', `docker://${named.host}/r:named-only`])
      assert.equal(ours.code, 0, ours.stderr)
      const theirs = await skopeo([
        '--registries-conf',
        main,
        'inspect',
        '--no-tags',
        `docker://${named.host}/r:named-only`,
      ])
      assert.equal(theirs.code, 0, theirs.stderr)
      assert.equal(JSON.parse(ours.stdout).Digest, JSON.parse(theirs.stdout).Digest)
      // A later drop-in replaces the [[registry]] of the same prefix.
      await writeFile(join(dropIns, '60-strict.conf'), `[[registry]]\nlocation = "${named.host}"\ninsecure = false\n`)
      assert.notEqual(
        (await sk(['--registries-conf', main, 'inspect', '--no-tags', `docker://${named.host}/r:named-only`])).code,
        0,
      )
      assert.notEqual(
        (await skopeo(['--registries-conf', main, 'inspect', '--no-tags', `docker://${named.host}/r:named-only`])).code,
        0,
      )
    } finally {
      await rm(dropIns, { recursive: true, force: true })
    }
    // A --registries-conf that does not exist is an error naming it (skopeo: the same).
    const missing = await sk([
      '--registries-conf',
      join(home, 'missing.conf'),
      'inspect',
      '--no-tags',
      `docker://${named.host}/r:named-only`,
    ])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /missing\.conf/)
    // skiff (like podman and buildah) also reads $CONTAINERS_REGISTRIES_CONF; the flag wins over it.
    const viaEnv = await skiff(['inspect', '--no-tags', `docker://${named.host}/r:named-only`], {
      env: {
        ...env,
        CONTAINERS_REGISTRIES_CONF: await conf(
          'env.conf',
          `[[registry]]\nlocation = "${named.host}"\ninsecure = true\n`,
        ),
      },
    })
    assert.equal(viaEnv.code, 0, viaEnv.stderr)
    const flagWins = await skiff(
      ['--registries-conf', main, 'inspect', '--no-tags', `docker://${named.host}/r:named-only`],
      { env: { ...env, CONTAINERS_REGISTRIES_CONF: join(home, 'env.conf') } },
    )
    assert.notEqual(flagWins.code, 0)
  })
})
