/**
 * containers-storage with the vfs driver (see suite.ts), and what a user meets through the CLI: a
 * missing image exits 2 with skopeo's message, a store that does not exist is not created by a read.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeTestStore, type TestStore } from '../../helpers/containers-storage.js'
import { skopeo } from '../../helpers/tools.js'
import { skiff } from '../../cli/run-skiff.js'
import { storeSuite } from './suite.js'

storeSuite('vfs')

describe('containers-storage: errors as the CLI reports them', { timeout: 60_000 }, () => {
  let store: TestStore
  before(async () => {
    store = await makeTestStore('vfs')
  })
  after(async () => {
    await store?.close()
  })

  it("inspect containers-storage:…no-such-tag exits 2 with skopeo's message", async () => {
    const image = store.ref('no-such-tag')
    // skopeo first: it creates the (empty) store, as podman would have.
    const s = await skopeo(['inspect', image])
    const r = await skiff(['inspect', image])
    assert.equal(r.code, 2, r.stderr)
    const why = `reference "${store.spec}docker.io/library/no-such-tag:latest" does not resolve to an image ID: identifier is not an image`
    assert.equal(r.stderr, `skiff: ${why}\n`)
    assert.ok(s.stderr.includes(why.replace(/"/g, '\\"')), s.stderr)
  })

  it('a store that does not exist: exit 2, the same reason, and nothing is created there', async () => {
    const root = join(store.dir, 'nowhere')
    const image = `containers-storage:[vfs@${root}+${join(store.dir, 'nowhere-run')}]busybox:1`
    const r = await skiff(['inspect', '--raw', image])
    assert.equal(r.code, 2, r.stderr)
    assert.match(
      r.stderr,
      /does not resolve to an image ID: identifier is not an image \(there is no store at .*nowhere; nothing was created there\)\n$/,
    )
    assert.equal(existsSync(root), false)
  })

  it("syntax errors are skopeo's: a relative graph root, an empty name", async () => {
    const rel = await skiff(['inspect', 'containers-storage:[vfs@rel+/tmp/r]foo'])
    assert.equal(rel.code, 1)
    assert.match(rel.stderr, /path name is not absolute/)
    const empty = await skiff(['inspect', `containers-storage:${store.spec}`])
    assert.equal(empty.code, 1)
    assert.match(empty.stderr, /"" is an empty reference: invalid reference/)
  })
})
