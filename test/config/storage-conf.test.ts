/** storage.conf lookup and the driver options derived from it (containers/storage 1.43's rules). */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { graphDriverOptions, loadStoreDefaults } from '../../src/config/storage-conf.js'
import { SkiffError } from '../../src/errors.js'

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-storage-conf-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('storage.conf', () => {
  it('$CONTAINERS_STORAGE_CONF is the file; $STORAGE_DRIVER and $STORAGE_OPTS override it; $VARS expand', async () => {
    const f = join(dir, 'a.conf')
    await writeFile(
      f,
      '[storage]\ndriver = "overlay2"\ngraphroot = "$ROOTDIR/g"\nrunroot = "/r"\n[storage.options]\nmount_program = "/usr/bin/fuse-overlayfs"\n[storage.options.overlay]\nmountopt = "nodev,metacopy=on"\n',
    )
    const base = { CONTAINERS_STORAGE_CONF: f, ROOTDIR: '/x' }
    assert.deepEqual(loadStoreDefaults({ env: base, uid: 0 }), {
      driver: 'overlay',
      graphRoot: '/x/g',
      runRoot: '/r',
      options: ['overlay.mount_program=/usr/bin/fuse-overlayfs', 'overlay.mountopt=nodev,metacopy=on'],
      file: f,
    })
    const env = { ...base, STORAGE_DRIVER: 'vfs', STORAGE_OPTS: 'vfs.ignore_chown_errors=true' }
    const d = loadStoreDefaults({ env, uid: 0 })
    assert.equal(d.driver, 'vfs')
    assert.deepEqual(d.options, ['vfs.ignore_chown_errors=true'])
    assert.deepEqual(loadStoreDefaults({ env: { ...base, STORAGE_OPTS: '' }, uid: 0 }).options, [])
  })

  it('a missing $CONTAINERS_STORAGE_CONF: the built-in defaults, no error', () => {
    const d = loadStoreDefaults({ env: { CONTAINERS_STORAGE_CONF: join(dir, 'none.conf') }, uid: 0 })
    assert.deepEqual(d, {
      driver: '',
      graphRoot: '/var/lib/containers/storage',
      runRoot: '/run/containers/storage',
      options: [],
    })
  })

  it("rootless: ~/.config/containers/storage.conf first; without it the user's own directories", async () => {
    const home = join(dir, 'home')
    await mkdir(join(home, '.config', 'containers'), { recursive: true })
    const env = { HOME: home, XDG_RUNTIME_DIR: '/run/user/1000' }
    const d = loadStoreDefaults({ env, uid: 1000 })
    // no user file: the system file is read (if any), roots are the user's
    assert.equal(d.graphRoot, join(home, '.local', 'share', 'containers', 'storage'))
    assert.equal(d.runRoot, '/run/user/1000/containers')
    const user = join(home, '.config', 'containers', 'storage.conf')
    await writeFile(user, '[storage]\ndriver = "vfs"\ngraphroot = "/u/g"\nrunroot = "/u/r"\n')
    assert.deepEqual(loadStoreDefaults({ env, uid: 1000 }), {
      driver: 'vfs',
      graphRoot: '/u/g',
      runRoot: '/u/r',
      options: [],
      file: user,
    })
  })

  it('a file that is not TOML is an error naming it', async () => {
    const f = join(dir, 'bad.conf')
    await writeFile(f, '[storage\n')
    assert.throws(
      () => loadStoreDefaults({ env: { CONTAINERS_STORAGE_CONF: f }, uid: 0 }),
      (e: unknown) => e instanceof SkiffError && e.code === 'ERR_CONFIG_INVALID' && e.message.startsWith(f),
    )
  })

  it('driver options: the driver table wins over the old [storage.options] keys', () => {
    assert.deepEqual(graphDriverOptions('overlay', { mountopt: 'a', overlay: { mountopt: 'b', size: '1G' } }), [
      'overlay.mountopt=b',
      'overlay.size=1G',
    ])
    assert.deepEqual(graphDriverOptions('vfs', { ignore_chown_errors: 'true', overlay: { mountopt: 'b' } }), [
      'vfs.ignore_chown_errors=true',
    ])
  })
})
