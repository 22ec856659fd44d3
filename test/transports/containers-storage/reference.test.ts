/**
 * containers-storage: names as skopeo 1.9.3 parses them. skopeo prints the reference it resolved in
 * its "does not resolve to an image ID" message, so for every valid name the store specifier and
 * normalized name skiff shows must be exactly skopeo's; for invalid ones both give the same reason.
 * The stores are empty temp dirs (skopeo creates them; close() removes them and any mount).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ImageNotFoundError, SkiffError } from '../../../src/errors.js'
import { getRawManifest } from '../../../src/index.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { containersStorageTransport } from '../../../src/transports/containers-storage/transport.js'
import { unmountBelow } from '../../helpers/containers-storage.js'
import { run } from '../../helpers/tools.js'

const ID = 'b3a0f92dc6a554828066db5dde364461dac85fb593221f451e3beda6adae2fc3'
const DIGEST = 'sha256:d235200218d4892c2ee9e46953f9829545202861b696954c47e41ff77a20996e'

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-cs-ref-'))
})
after(async () => {
  await unmountBelow(dir)
  await rm(dir, { recursive: true, force: true })
})

/** What skopeo says it resolved `name` to (from its not-found message), or its error. */
async function skopeoSays(name: string, env: NodeJS.ProcessEnv = {}): Promise<{ ref?: string; error: string }> {
  const r = await run('skopeo', ['inspect', name], { env: { ...process.env, ...env } })
  assert.notEqual(r.code, 0)
  const m = /reference \\"(.*?)\\" does not resolve to an image ID/.exec(r.stderr)
  return m ? { ref: m[1]!, error: r.stderr } : { error: r.stderr }
}

function skiffParse(name: string, env: NodeJS.ProcessEnv = {}): string {
  const saved = { ...process.env }
  Object.assign(process.env, env)
  try {
    return parseImageName(name).stringWithinTransport()
  } finally {
    for (const k of Object.keys(env)) delete process.env[k]
    Object.assign(process.env, saved)
  }
}

describe('containers-storage: references as skopeo resolves them', { timeout: 60_000 }, () => {
  it('store specifiers, names, tags, digests and IDs', async () => {
    const g = join(dir, 'g')
    const r = join(dir, 'r')
    const cases = [
      `[vfs@${g}+${r}]busybox`,
      `[vfs@${g}+${r}]localhost:5000/a/b:t`,
      `[vfs@${g}+${r}]quay.io/x/y@${DIGEST}`,
      `[vfs@${g}+${r}]x:1@${DIGEST}`,
      `[vfs@${g}+${r}:vfs.ignore_chown_errors=true]x:3`,
      `[overlay2@${g}+${r}]x:4`,
    ]
    for (const c of cases) {
      const name = `containers-storage:${c}`
      // skiff first: skopeo creates the store (and its driver's folder, which would then decide).
      const ours = skiffParse(name)
      const s = await skopeoSays(name)
      assert.ok(s.ref, `skopeo resolved ${c}: ${s.error}`)
      assert.equal(ours, s.ref, c)
    }
  })

  it("an image ID the store does not hold: skopeo's message, exit 2", async () => {
    const g = join(dir, 'g')
    const r = join(dir, 'r')
    for (const c of [`[vfs@${g}+${r}]@${ID}`, `[vfs@${g}+${r}]x:2@${ID}`]) {
      const name = `containers-storage:${c}`
      const why = `reading image "${ID}": locating image with ID "${ID}": image not known`
      const s = await skopeoSays(name)
      assert.ok(s.error.includes(why.replace(/"/g, '\\"')), s.error)
      await assert.rejects(
        getRawManifest(name),
        (e: unknown) => e instanceof ImageNotFoundError && e.message === why && e.exitCode === 2,
      )
      assert.equal(skiffParse(name), c.replace(/\]x:2@/, ']docker.io/library/x:2@'))
    }
  })

  it('the default store from storage.conf ($CONTAINERS_STORAGE_CONF), with its driver options', async () => {
    const conf = join(dir, 'storage.conf')
    const g = join(dir, 'conf-g')
    const r = join(dir, 'conf-r')
    await writeFile(
      conf,
      `[storage]\ndriver = "overlay"\ngraphroot = "${g}"\nrunroot = "${r}"\n[storage.options.overlay]\nmountopt = "nodev"\n`,
    )
    const env = { CONTAINERS_STORAGE_CONF: conf }
    for (const c of ['busybox:1', `busybox@${DIGEST}`]) {
      const name = `containers-storage:${c}`
      const ours = skiffParse(name, env)
      const s = await skopeoSays(name, env)
      assert.ok(s.ref, s.error)
      assert.equal(ours, s.ref)
      assert.match(s.ref, /^\[overlay@.*:overlay\.mountopt=nodev\]/)
    }
    // A specifier with only a graph root: the run root comes from storage.conf, the driver is not
    // storage.conf's but the one the graph root holds (overlay when it holds none).
    const name = `containers-storage:[${join(dir, 'only-g')}]busybox:2`
    const ours = skiffParse(name, env)
    const s = await skopeoSays(name, env)
    assert.ok(s.ref, s.error)
    assert.equal(ours, s.ref)
    // …also when the graph root already holds vfs data (vfs never counts as the prior driver)
    const held = `containers-storage:[${join(dir, 'g')}]busybox:3`
    const oursHeld = skiffParse(held, env)
    const sHeld = await skopeoSays(held, env)
    assert.equal(oursHeld, sHeld.ref, sHeld.error)
    assert.match(oursHeld, /^\[overlay@/)
  })

  it("invalid names give skopeo's reasons", async () => {
    const g = join(dir, 'g')
    const cases: [string, string][] = [
      ['[vfs@rel+/tmp/r]foo', 'path name is not absolute'],
      [`[vfs@${g}+rel]foo`, 'path name is not absolute'],
      ['[]foo', 'invalid reference'],
      ['[vfs@]foo', 'invalid reference'],
      ['[@/x]foo', 'invalid reference'],
      [`[vfs@${g}+${g}r]`, '"" is an empty reference: invalid reference'],
      ['', '"" is an empty reference: invalid reference'],
      [`[vfs@${g}+${g}r]foo@`, 'empty trailing digest or ID in "foo@": invalid reference'],
      [`[vfs@${g}+${g}r]foo@xyz!`, '"xyz!" does not look like an image ID or digest: invalid reference'],
      [`[vfs@${g}+${g}r]Foo`, 'parsing named reference "Foo"'],
    ]
    for (const [c, why] of cases) {
      const name = `containers-storage:${c}`
      const s = await skopeoSays(name)
      assert.ok(s.error.includes(why.replace(/"/g, '\\"')), `skopeo on ${c}: ${s.error}`)
      assert.throws(
        () => parseImageName(name),
        (e: unknown) => e instanceof SkiffError && e.code === 'ERR_INVALID_REFERENCE' && e.message.includes(why),
        c,
      )
    }
  })
})

describe('containers-storage: policy identities (containers/image storage_reference.go)', () => {
  it('identity and namespaces, most specific first', () => {
    const ref = parseImageName(`containers-storage:[vfs@/g+/r]quay.io/a/b:t@${DIGEST}@${ID}`)
    assert.equal(ref.policyConfigurationIdentity(), `[vfs@/g]quay.io/a/b:t@${DIGEST}@${ID}`)
    assert.deepEqual(ref.policyConfigurationNamespaces(), [
      `[vfs@/g]quay.io/a/b:t@${DIGEST}`,
      '[vfs@/g]quay.io/a/b:t',
      '[vfs@/g]quay.io/a/b',
      '[vfs@/g]quay.io/a',
      '[vfs@/g]quay.io',
      '[vfs@/g]',
      '[/g]',
    ])
    const byId = parseImageName(`containers-storage:[vfs@/g+/r]@${ID}`)
    assert.equal(byId.policyConfigurationIdentity(), `[vfs@/g]@${ID}`)
    assert.deepEqual(byId.policyConfigurationNamespaces(), ['[vfs@/g]', '[/g]'])
    assert.equal(byId.dockerReference(), undefined)
  })

  it('scopes: a store, then an optional name, digest and ID', () => {
    const ok = [
      '[/g]',
      '[vfs@/g]',
      '[vfs@/g]quay.io/a',
      `[vfs@/g]a:t@${DIGEST}`,
      `[vfs@/g]a@${ID}`,
      `[vfs@/g]a@${DIGEST}@${ID}`,
    ]
    for (const s of ok) containersStorageTransport.validatePolicyScope(s)
    for (const s of [
      'quay.io/a',
      '[rel]a',
      '[vfs@rel]',
      '[@/g]',
      '[vfs@]',
      `[vfs@/g]a@nope`,
      `[vfs@/g]a@${DIGEST}@nope`,
    ])
      assert.throws(() => containersStorageTransport.validatePolicyScope(s), s)
  })
})
