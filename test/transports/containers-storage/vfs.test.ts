/**
 * containers-storage with the vfs driver (see suite.ts), and what a user meets through the CLI: a
 * missing image exits 2 with skopeo's message, a store that does not exist is not created by a read.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeTestStore, type TestStore } from '../../helpers/containers-storage.js'
import { skopeo } from '../../helpers/tools.js'
import { copy } from '../../helpers/skiff.js'
import { getRawManifest } from '../../../src/index.js'
import { ImageNotFoundError, SkiffError } from '../../../src/errors.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
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

  it("waits while another process holds the store's lock (a POSIX fcntl lock, as podman takes)", async () => {
    await store.cs(['images'])
    const lockFile = join(store.graphRoot, 'vfs-images', 'images.lock')
    // perl (Debian's perl-base, always there) takes the write lock podman takes while it changes images.json.
    const holder = spawn(
      'perl',
      [
        '-e',
        'use Fcntl; open(my $fh, "+<", $ARGV[0]) or die "open: $!"; my $lk = pack("s s x4 q q i x4", F_WRLCK, 0, 0, 0, 0); fcntl($fh, F_SETLKW, $lk) or die "lock: $!"; $|=1; print "locked\\n"; sleep 60',
        lockFile,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      await Promise.race([
        once(holder.stdout!, 'data'),
        once(holder, 'exit').then(() => assert.fail('the lock holder could not take the lock')),
      ])
      let settled = false
      const read = getRawManifest(store.ref('busybox:locked')).finally(() => (settled = true))
      read.catch(() => undefined)
      await new Promise((r) => setTimeout(r, 1500))
      assert.equal(settled, false, 'the read waits for the lock')
      holder.kill('SIGKILL')
      await assert.rejects(read, ImageNotFoundError)
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('delete removes the image (podman no longer lists it); deleting it again exits 2', async () => {
    const name = store.ref('localhost/to-delete:v1')
    const layout = join(store.dir, 'del-layout')
    await writeOciImage(layout, 'v1', smallImage('to-delete'))
    const c = await skiff(['--insecure-policy', 'copy', '-q', `oci:${layout}:v1`, name])
    assert.equal(c.code, 0, c.stderr)
    const d = await skiff(['delete', name])
    assert.equal(d.code, 0, d.stderr)
    const list = await store.podman(['images', '--format', '{{.Repository}}:{{.Tag}}'])
    assert.equal(list.code, 0, list.stderr)
    assert.ok(!list.stdout.includes('localhost/to-delete'), list.stdout)
    const again = await skiff(['delete', name])
    assert.equal(again.code, 2, again.stderr)
    assert.match(again.stderr, /does not resolve to an image ID/)
  })

  it('without the containers-storage program: one line naming the package', async () => {
    const saved = process.env.PATH
    process.env.PATH = join(store.dir, 'empty-path')
    try {
      await assert.rejects(
        getRawManifest(store.ref('busybox:1')),
        (e: unknown) =>
          e instanceof SkiffError &&
          e.code === 'ERR_UNSUPPORTED' &&
          /needs the "containers-storage" program .*apt-get install -y containers-storage$/.test(e.message),
      )
    } finally {
      process.env.PATH = saved
    }
  })

  it('a config whose diff IDs lie: the copy fails naming the layer, and the store keeps neither the layer nor an image', async () => {
    const layout = join(store.dir, 'lying-layout')
    const wrong = `sha256:${'0'.repeat(64)}`
    await writeOciImage(layout, 'v1', {
      layers: [{ files: { 'x.txt': 'x\n' } }],
      configExtra: { rootfs: { type: 'layers', diff_ids: [wrong] } },
    })
    const layersBefore = await store.cs(['layers', '--json'])
    await assert.rejects(
      copy(`oci:${layout}:v1`, store.ref('localhost/lying:v1')),
      (e: unknown) => e instanceof SkiffError && e.code === 'ERR_DIGEST_MISMATCH' && e.message.includes(wrong),
    )
    assert.equal((await store.cs(['layers', '--json'])).stdout, layersBefore.stdout)
    const images = await store.podman(['images', '--format', '{{.Repository}}'])
    assert.equal(images.code, 0, images.stderr)
    assert.ok(!images.stdout.includes('localhost/lying'))
  })
})
