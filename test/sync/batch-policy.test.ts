/**
 * The select and bundle batches (sync --src registry-storage --dest registry-storage /
 * registry-storage-archive) copy without the engine, and they used to skip the trust policy: under
 * a policy that rejects the images, skopeo refuses them, skiff copied them. Now a batch checks each
 * image as the engine does before writing anything of it; a policy that accepts anything for the
 * source costs nothing (nothing is opened).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeSeedStore, type SeedStore } from '../helpers/store-fixtures.js'
import { skiff } from '../cli/run-skiff.js'

let work: string
let pool: string
let seed: SeedStore
let list: string

const policy = (name: string, body: unknown): string => {
  const p = join(work, `${name}.json`)
  writeFileSync(p, JSON.stringify(body))
  return p
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-test-batch-policy-'))
  pool = join(work, 'pool')
  seed = await writeSeedStore(pool, { names: ['library/alpine:3.18', 'tools/kubectl:1.28'] })
  list = join(work, 'release.list')
  writeFileSync(list, `${seed.images.join('\n')}\n`)
})
after(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

const sync = (policyPath: string, dest: 'registry-storage' | 'registry-storage-archive', out: string) =>
  skiff(['--policy', policyPath, 'sync', '--src', 'registry-storage', '--dest', dest, '--images-from', list, pool, out])

for (const dest of ['registry-storage', 'registry-storage-archive'] as const) {
  const outName = dest === 'registry-storage' ? 'out' : 'release.tar'

  test(`--dest ${dest}: a policy that rejects the images refuses them with skopeo's message; nothing is written`, async () => {
    const out = join(work, `rejected-${outName}`)
    const r = await sync(policy('reject', { default: [{ type: 'reject' }] }), dest, out)
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /Source image rejected: Running image registry-storage:\S+ is rejected by policy\./)
    if (dest === 'registry-storage') {
      const tags = join(out, 'docker', 'registry', 'v2', 'repositories', 'library', 'alpine', '_manifests', 'tags')
      assert.ok(!existsSync(tags), 'a tag was written')
    } else {
      assert.ok(!existsSync(out), 'the bundle was written')
      assert.deepEqual(
        readdirSync(work).filter((n) => n.includes(outName) && n !== outName),
        [],
        'a temp file of the bundle was left',
      )
    }
  })

  test(`--dest ${dest}: signedBy with no signature stored is refused as skopeo refuses it`, async () => {
    const out = join(work, `unsigned-${outName}`)
    const p = policy('signed', {
      default: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: Buffer.from('not a key').toString('base64') }],
    })
    const r = await sync(p, dest, out)
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /Source image rejected: A signature was required, but no signature exists/)
  })

  test(`--dest ${dest}: accepting anything for the registry-storage transport (the default rejects) copies`, async () => {
    const out = join(work, `accepted-${outName}`)
    const p = policy('scoped', {
      default: [{ type: 'reject' }],
      transports: { 'registry-storage': { '': [{ type: 'insecureAcceptAnything' }] } },
    })
    const r = await sync(p, dest, out)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /2 copied, 0 skipped, 0 failed/)
  })
}
