import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  checkNotBlocked,
  findRegistry,
  isBlocked,
  isInsecure,
  loadRegistriesConf,
  pullSources,
  refMatchingPrefix,
  registryAccess,
  rewriteReference,
} from '../../../src/config/registries-conf/index.js'
import { parseNormalizedReference } from '../../../src/reference/docker-reference.js'
import { withTempDir } from '../../helpers/tools.js'
import { skopeoPullOrder, write } from './fixtures.js'

const DIGEST = 'sha256:' + 'a'.repeat(64)

// Every location refuses connections (port 9 on loopback), so skopeo shows its order quickly.
const CONF = `
unqualified-search-registries = ["example.com"]

[[registry]]
prefix = "example.com/foo"
location = "127.0.0.1:9/bar"

[[registry.mirror]]
location = "127.0.0.2:9/mirror-for-foo"

[[registry.mirror]]
location = "127.0.0.3:9/mirrors/foo"
insecure = true
pull-from-mirror = "digest-only"

[[registry.mirror]]
location = "127.0.0.4:9/tags"
pull-from-mirror = "tag-only"

[[registry]]
prefix = "example.com/foo/deeper"
location = "127.0.0.5:9/deep"

[[registry]]
location = "127.0.0.6:9"
insecure = true
mirror-by-digest-only = true
[[registry.mirror]]
location = "127.0.0.7:9/m"

[[registry]]
prefix = "*.wild.test"
insecure = true
[[registry.mirror]]
location = "127.0.0.8:9/wildmirror"

[[registry]]
prefix = "blocked.test/bad"
location = "blocked.test/bad"
blocked = true

[[registry]]
prefix = "docker.io/library/busybox"
location = "127.0.0.9:9/hub/busybox"
`

describe('registries.conf matching', () => {
  it('prefix matching stops at ":", "/", "@" boundaries; wildcards match subdomains', () => {
    assert.equal(refMatchingPrefix('example.com/foo/x', 'example.com/foo'), 15)
    assert.equal(refMatchingPrefix('example.com/foobar', 'example.com/foo'), -1)
    assert.equal(refMatchingPrefix('example.com', 'example.com'), 11)
    assert.equal(refMatchingPrefix('example.com:5000/x', 'example.com'), 11) // containers/image does this too
    assert.equal(refMatchingPrefix('a.b.wild.test/x', '*.wild.test'), 13)
    assert.equal(refMatchingPrefix('wild.test/x', '*.wild.test'), -1)
    assert.equal(refMatchingPrefix('x.wild.testing/x', '*.wild.test'), -1)
    assert.equal(refMatchingPrefix('other/a.wild.test', '*.wild.test'), -1)
  })

  it('pull sources follow skopeo: mirrors (by digest/tag rules) then the primary, rewritten; longest prefix wins', async () => {
    await withTempDir(async (dir) => {
      const conf = join(dir, 'registries.conf')
      await write(conf, CONF)
      const home = join(dir, 'home')
      const c = await loadRegistriesConf({ confPath: conf, env: { HOME: home }, systemConfDirPath: join(dir, 'none') })
      const refs = [
        'example.com/foo/img:1',
        `example.com/foo/img@${DIGEST}`,
        'example.com/foo/deeper/x:2',
        '127.0.0.6:9/app:1',
        `127.0.0.6:9/app@${DIGEST}`,
        'a.b.wild.test/ns/app:3',
        'docker.io/library/busybox:latest',
        'unconfigured.test:9/x:1',
      ]
      for (const s of refs) {
        const ours = pullSources(c, parseNormalizedReference(s)).map((p) => p.reference.toString())
        const theirs = await skopeoPullOrder(conf, s, home)
        assert.deepEqual(ours, theirs.tried, `${s}: ${theirs.error}`)
      }
      const srcs = pullSources(c, parseNormalizedReference(`example.com/foo/img@${DIGEST}`))
      assert.deepEqual(
        srcs.map((s) => [s.mirror, s.insecure, s.blocked]),
        [
          [true, false, false],
          [true, true, false],
          [false, false, false],
        ],
      )
      // insecure belongs to the endpoint (and to the [[registry]] its rewritten name matches), not to its mirrors
      assert.deepEqual(
        pullSources(c, parseNormalizedReference(`127.0.0.6:9/app@${DIGEST}`)).map((s) => [
          s.reference.domain,
          s.insecure,
        ]),
        [
          ['127.0.0.7:9', false],
          ['127.0.0.6:9', true],
        ],
      )
      assert.equal(
        rewriteReference(c, parseNormalizedReference('example.com/foo/a/b:t')).toString(),
        '127.0.0.1:9/bar/a/b:t',
      )
      assert.equal(rewriteReference(c, parseNormalizedReference('a.wild.test/x')).toString(), 'a.wild.test/x')
      assert.equal(findRegistry(c, 'example.com/foo/deeper/x')?.location, '127.0.0.5:9/deep')
      assert.equal(isInsecure(c, 'x.wild.test'), true)
      assert.equal(isInsecure(c, '127.0.0.6:9'), true)
      assert.equal(isInsecure(c, 'example.com'), false)
    })
  })

  it('blocked registries: refused with the same message as skopeo', async () => {
    await withTempDir(async (dir) => {
      const conf = join(dir, 'registries.conf')
      await write(conf, CONF)
      const c = await loadRegistriesConf({
        confPath: conf,
        env: { HOME: join(dir, 'home') },
        systemConfDirPath: join(dir, 'none'),
      })
      const ref = parseNormalizedReference('blocked.test/bad/app:1')
      assert.equal(isBlocked(c, ref), true)
      assert.equal(isBlocked(c, parseNormalizedReference('blocked.test/good/app:1')), false)
      assert.throws(
        () => checkNotBlocked(c, ref),
        (e: Error & { code?: string }) =>
          e.code === 'ERR_POLICY_DENIED' && e.message.includes(`registry blocked.test/bad is blocked in ${conf}`),
      )
      assert.deepEqual(
        pullSources(c, ref).map((s) => s.blocked),
        [true],
      )
      assert.deepEqual(registryAccess(c, 'blocked.test/bad/app'), { insecure: false, blocked: true })
      const theirs = await skopeoPullOrder(conf, 'blocked.test/bad/app:1', join(dir, 'home'))
      assert.match(theirs.error, /registry blocked.test\/bad is blocked in/)
    })
  })
})
