/**
 * skiff's own image (`npm run build:image`, scripts/build-image.mjs): skopeo inspects the layout
 * and the oci-archive, umoci unpacks it into a runtime bundle, and — as root — the executable runs
 * in that root filesystem (chroot) as the image's non-root user, with nothing from this machine:
 * so the image holds every library it needs, its CA bundle and its user.
 *
 * Building the image needs the executable (see smoke.test.ts), so the test does not build it:
 * without dist/image it skips, naming the command; `.ci/run` builds it and sets
 * SKIFF_EXE_REQUIRED=1, so there a missing image fails instead.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireTool, run, skopeo } from '../helpers/tools.js'
import { ROOT } from '../cli/run-skiff.js'

const IMAGE = join(ROOT, 'dist', 'image')
const required = process.env['SKIFF_EXE_REQUIRED'] === '1'
const missing = existsSync(join(IMAGE, 'oci', 'index.json'))
  ? false
  : `${IMAGE} is not built: run "npm run build:image"`
if (missing && required) throw new Error(`SKIFF_EXE_REQUIRED=1 but ${missing}`)
const root = process.getuid?.() === 0

describe('skiff image', { skip: missing }, () => {
  let dir: string
  let rootfs: string
  let config: { process: { user: { uid: number; gid: number }; args: string[]; env: string[] } }

  before(async () => {
    requireTool('umoci')
    dir = await mkdtemp(join(tmpdir(), 'skiff-image-'))
    const bundle = join(dir, 'bundle')
    const u = await run('umoci', ['unpack', ...(root ? [] : ['--rootless']), '--image', `${IMAGE}/oci:latest`, bundle])
    assert.equal(u.code, 0, u.stderr)
    rootfs = join(bundle, 'rootfs')
    config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'))
  })
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('skopeo inspects the layout and the oci-archive: one image, amd64, labelled with the version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    const a = await skopeo(['inspect', `oci:${IMAGE}/oci:latest`])
    const b = await skopeo(['inspect', `oci-archive:${IMAGE}/skiff.tar:${pkg.version}`])
    assert.equal(a.code, 0, a.stderr)
    assert.equal(b.code, 0, b.stderr)
    const ia = JSON.parse(a.stdout)
    assert.equal(JSON.parse(b.stdout).Digest, ia.Digest)
    assert.equal(ia.Architecture, 'amd64')
    assert.equal(ia.Labels['org.opencontainers.image.version'], pkg.version)
    assert.equal(ia.Layers.length, 1)
  })

  it('umoci unpacks it: the executable, CA bundle and user skiff (65532), which the bundle runs as', async () => {
    assert.deepEqual(config.process.user, { uid: 65532, gid: 65532 })
    assert.deepEqual(config.process.args, ['/usr/local/bin/skiff', '--help'])
    const passwd = await readFile(join(rootfs, 'etc', 'passwd'), 'utf8')
    assert.match(passwd, /^skiff:x:65532:65532:/m)
    const ca = await readFile(join(rootfs, 'etc', 'ssl', 'certs', 'ca-certificates.crt'), 'utf8')
    assert.ok((ca.match(/BEGIN CERTIFICATE/g) ?? []).length > 50)
    assert.ok(existsSync(join(rootfs, 'usr', 'local', 'bin', 'skiff')))
  })

  it(
    'runs in its own root filesystem as the non-root user (chroot, as root)',
    { skip: !root && 'needs root (chroot)' },
    async () => {
      await cp(join(ROOT, 'examples', 'hello'), join(rootfs, 'tmp', 'hello'), { recursive: true })
      const chroot = (args: string[]) =>
        run('/usr/sbin/chroot', ['--userspec=65532:65532', rootfs, '/usr/local/bin/skiff', ...args], {
          env: { PATH: '/usr/local/bin', HOME: '/home/skiff' },
        })
      const v = await chroot(['--version'])
      assert.equal(v.code, 0, v.stderr)
      assert.match(v.stdout, /^skiff version /)
      const i = await chroot(['--insecure-policy', 'inspect', 'oci:/tmp/hello:latest'])
      assert.equal(i.code, 0, i.stderr)
      const theirs = await skopeo(['inspect', `oci:${join(ROOT, 'examples', 'hello')}:latest`])
      assert.equal(JSON.parse(i.stdout).Digest, JSON.parse(theirs.stdout).Digest)
      // the user can write its home (a sync's temp files, an auth file) and /tmp
      const w = await chroot(['--insecure-policy', 'copy', '-q', 'oci:/tmp/hello:latest', 'dir:/home/skiff/out'])
      assert.equal(w.code, 0, w.stderr)
    },
  )
})
