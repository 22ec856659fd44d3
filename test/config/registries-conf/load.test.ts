import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  loadRegistriesConf,
  parseRegistriesConfText,
  pullSources,
  registriesConfLocations,
} from '../../../src/config/registries-conf/index.js'
import { parseNormalizedReference } from '../../../src/reference/docker-reference.js'
import { withTempDir } from '../../helpers/tools.js'
import { skopeoPullOrder, write } from './fixtures.js'

const parse = (text: string, opts = {}) => parseRegistriesConfText(text, '/x/registries.conf', opts)

describe('registries.conf parsing', () => {
  it('reads the man page example', () => {
    const f = parse(`
unqualified-search-registries = ["example.com"]

[[registry]]
prefix = "example.com/foo"
insecure = false
blocked = false
location = "internal-registry-for-example.com/bar"

[[registry.mirror]]
location = "example-mirror-0.local/mirror-for-foo"

[[registry.mirror]]
location = "example-mirror-1.local/mirrors/foo"
insecure = true

[[registry]]
location = "registry.com/"

[[registry.mirror]]
location = "mirror.registry.com"
`)
    assert.deepEqual(f.unqualifiedSearchRegistries, ['example.com'])
    assert.deepEqual(f.registries, [
      {
        prefix: 'example.com/foo',
        location: 'internal-registry-for-example.com/bar',
        insecure: false,
        blocked: false,
        mirrorByDigestOnly: false,
        mirrors: [
          { location: 'example-mirror-0.local/mirror-for-foo', insecure: false },
          { location: 'example-mirror-1.local/mirrors/foo', insecure: true },
        ],
      },
      {
        prefix: 'registry.com',
        location: 'registry.com',
        insecure: false,
        blocked: false,
        mirrorByDigestOnly: false,
        mirrors: [{ location: 'mirror.registry.com', insecure: false }],
      },
    ])
  })

  it('rejects what containers/image rejects', () => {
    const bad: [string, RegExp][] = [
      ['[[registry]]\ninsecure = true', /both location and prefix are unset/],
      ['[[registry]]\nprefix = "a.example/x"', /location is unset and prefix is not in the format/],
      ['[[registry]]\nprefix = "*.example.com/foo"', /Wildcarded prefix should be in the format/],
      ['[[registry]]\nlocation = "https://a.example"', /URI schemes are not supported/],
      [
        '[[registry]]\nlocation = "a.example"\npull-from-mirror = "all"',
        /pull-from-mirror must not be set for a non-mirror registry/,
      ],
      [
        '[[registry]]\nlocation = "a.example"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m"\npull-from-mirror = "tag-only"',
        /cannot set mirror usage mirror-by-digest-only/,
      ],
      [
        '[[registry]]\nlocation = "a.example"\n[[registry.mirror]]\nlocation = "m"\npull-from-mirror = "sometimes"',
        /unsupported pull-from-mirror value/,
      ],
      ['[[registry]]\nlocation = "a.example"\n[[registry.mirror]]\ninsecure = true', /mirror location is unset/],
      [
        '[[registry]]\nlocation = "a.example"\ninsecure = true\n[[registry]]\nprefix = "b.example"\nlocation = "a.example"',
        /defined multiple times with conflicting 'insecure'/,
      ],
      ['unqualified-search-registries = ["not a host"]', /Invalid unqualified-search-registries entry/],
      ['short-name-mode = "sometimes"', /invalid short-name mode/],
      ['[aliases]\n"quay.io/x" = "quay.io/x"', /must not contain registry/],
      ['[aliases]\nx = "x"', /must contain registry and repository/],
      ['[aliases]\nx = "quay.io/x:1"', /must not contain tag/],
      ['[registries.search]\nregistries = ["a.example"]\n[[registry]]\nlocation = "b"', /mixing sysregistry v1\/v2/],
      ['[[registry]]\nlocation = 5', /"location" must be a string/],
      ['[[registry]\nlocation = "x"', /not valid TOML: line 1/],
    ]
    for (const [text, re] of bad)
      assert.throws(
        () => parse(text),
        (e: Error & { code?: string }) =>
          e.code === 'ERR_CONFIG_INVALID' && re.test(e.message) && e.message.includes('/x/registries.conf'),
        text,
      )
    assert.throws(() => parse('[registries.block]\nregistries = ["a"]', { forceV2: true }), /must be in v2 format/)
  })

  it('converts the v1 format', () => {
    const f = parse(
      "[registries.search]\nregistries = ['r1.example', 'r2.example']\n[registries.insecure]\nregistries = ['r3.example']\n[registries.block]\nregistries = ['bad.example', 'r3.example']\n",
    )
    assert.deepEqual(f.unqualifiedSearchRegistries, ['r1.example', 'r2.example'])
    assert.deepEqual(
      f.registries.map((r) => [r.prefix, r.insecure, r.blocked]),
      [
        ['bad.example', false, true],
        ['r3.example', true, true],
      ],
    )
  })

  it('keeps the first of two tables with the same prefix; wildcard without location', () => {
    const f = parse(
      '[[registry]]\nprefix = "a.example"\nlocation = "one.example"\n[[registry]]\nprefix = "a.example"\nlocation = "two.example"\n[[registry]]\nprefix = "*.w.example"\nblocked = true',
    )
    assert.deepEqual(
      f.registries.map((r) => [r.prefix, r.location]),
      [
        ['*.w.example', ''],
        ['a.example', 'one.example'],
      ],
    )
  })
})

describe('registries.conf files and drop-ins', () => {
  it('user file, else system file; drop-ins from the system then the user directory, in name order, later ones win — as skopeo', async () => {
    await withTempDir(async (dir) => {
      const home = join(dir, 'home')
      const sys = join(dir, 'etc', 'registries.conf')
      const sysDir = join(dir, 'etc', 'registries.conf.d')
      const userDir = join(home, '.config', 'containers', 'registries.conf.d')
      const opts = { env: { HOME: home }, systemConfPath: sys, systemConfDirPath: sysDir }
      assert.deepEqual(await registriesConfLocations(opts), {
        confPath: sys,
        required: false,
        dropInDirs: [sysDir, userDir],
      })
      // nothing at all: an empty configuration
      const empty = await loadRegistriesConf(opts)
      assert.deepEqual(empty.registries, [])
      assert.deepEqual(empty.credentialHelpers, ['containers-auth.json'])
      assert.equal(empty.shortNameMode, 'permissive')

      await write(
        sys,
        'unqualified-search-registries = ["sys.example"]\n[[registry]]\nprefix = "a.test"\nlocation = "127.0.0.1:9/from-main"\n[[registry]]\nprefix = "b.test"\nlocation = "127.0.0.2:9/b"\n',
      )
      await write(
        join(sysDir, '10-sys.conf'),
        'short-name-mode = "enforcing"\n[[registry]]\nprefix = "a.test"\nlocation = "127.0.0.3:9/from-sys-dropin"\n',
      )
      await write(
        join(userDir, '01-user.conf'),
        '[[registry]]\nprefix = "a.test"\nlocation = "127.0.0.4:9/from-user-dropin"\n[[registry.mirror]]\nlocation = "127.0.0.5:9/m"\n',
      )
      await write(
        join(userDir, '02-later.conf'),
        'unqualified-search-registries = ["later.example"]\ncredential-helpers = ["pass"]\n',
      )
      await write(join(userDir, '03-ignored.txt'), 'this is not toml [[')
      await write(join(userDir, 'sub.conf', 'x.conf'), 'not read')
      const c = await loadRegistriesConf(opts)
      assert.deepEqual(c.sources, [
        sys,
        join(sysDir, '10-sys.conf'),
        join(userDir, '01-user.conf'),
        join(userDir, '02-later.conf'),
      ])
      assert.deepEqual(c.unqualifiedSearchRegistries, ['later.example'])
      assert.equal(c.unqualifiedSearchRegistriesOrigin, join(userDir, '02-later.conf'))
      assert.deepEqual(c.credentialHelpers, ['pass'])
      assert.equal(c.shortNameMode, 'enforcing')
      const ours = pullSources(c, parseNormalizedReference('a.test/app:1')).map((s) => s.reference.toString())
      assert.deepEqual(ours, ['127.0.0.5:9/m/app:1', '127.0.0.4:9/from-user-dropin/app:1'])
      // skopeo, given the same main file and the same user drop-ins, tries the same
      assert.deepEqual((await skopeoPullOrder(sys, 'a.test/app:1', home)).tried, ours)
      assert.deepEqual(
        pullSources(c, parseNormalizedReference('b.test/app:1')).map((s) => s.reference.toString()),
        ['127.0.0.2:9/b/app:1'],
      )

      // a drop-in in v1 format is an error naming it
      await write(join(userDir, '04-v1.conf'), '[registries.search]\nregistries = ["x.example"]\n')
      await assert.rejects(loadRegistriesConf(opts), /04-v1.conf.*must be in v2 format/)
    })
  })

  it('~/.config/containers/registries.conf replaces the system file and its drop-ins', async () => {
    await withTempDir(async (dir) => {
      const home = join(dir, 'home')
      const sysDir = join(dir, 'etc', 'registries.conf.d')
      const userFile = join(home, '.config', 'containers', 'registries.conf')
      await write(join(dir, 'etc', 'registries.conf'), 'unqualified-search-registries = ["sys.example"]')
      await write(join(sysDir, 'a.conf'), 'short-name-mode = "disabled"')
      await write(userFile, 'unqualified-search-registries = ["user.example"]')
      const c = await loadRegistriesConf({
        env: { HOME: home },
        systemConfPath: join(dir, 'etc', 'registries.conf'),
        systemConfDirPath: sysDir,
      })
      assert.deepEqual(c.sources, [userFile])
      assert.deepEqual(c.unqualifiedSearchRegistries, ['user.example'])
      assert.equal(c.shortNameMode, 'permissive')
    })
  })

  it('$CONTAINERS_REGISTRIES_CONF / --registries-conf choose the main file, which must exist', async () => {
    await withTempDir(async (dir) => {
      const home = join(dir, 'home')
      const own = join(dir, 'own.conf')
      await write(own, 'unqualified-search-registries = ["own.example"]')
      await write(
        join(home, '.config', 'containers', 'registries.conf'),
        'unqualified-search-registries = ["user.example"]',
      )
      const base = { systemConfDirPath: join(dir, 'none') }
      const c = await loadRegistriesConf({ ...base, env: { HOME: home, CONTAINERS_REGISTRIES_CONF: own } })
      assert.deepEqual(c.unqualifiedSearchRegistries, ['own.example'])
      const c2 = await loadRegistriesConf({
        ...base,
        env: { HOME: home, CONTAINERS_REGISTRIES_CONF: own },
        confPath: join(home, '.config', 'containers', 'registries.conf'),
      })
      assert.deepEqual(c2.unqualifiedSearchRegistries, ['user.example'])
      await assert.rejects(
        loadRegistriesConf({ ...base, env: { HOME: home }, confPath: join(dir, 'missing.conf') }),
        /missing.conf": no such file/,
      )
    })
  })
})
