/** The registry operations the library exports (what list-tags, list-repos, untag and login use), against docker-registry. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import {
  checkRegistryCredentials,
  ImageNotFoundError,
  InvalidReferenceError,
  isSkiffError,
  listRepositories,
  listRepositoryTags,
  untag,
} from '../../../src/index.js'
import { parseNormalizedReference } from '../../../src/reference/docker-reference.js'
import { insecure, insecureCopy, isolateCache } from './helpers.js'

describe('registry operations as library functions', () => {
  let open: Registry
  let locked: Registry
  let restore: () => void
  before(async () => {
    restore = isolateCache()
    ;[open, locked] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { alice: 'wonder' } })])
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      await writeOciImage(layout, 'v1', smallImage('ops'))
      for (const tag of ['1', '2', 'b'])
        await copy(`oci:${layout}:v1`, `docker://${open.host}/ops/app:${tag}`, insecureCopy)
      await copy(`oci:${layout}:v1`, `docker://${open.host}/other:x`, insecureCopy)
    })
  })
  after(async () => {
    await Promise.all([open?.close(), locked?.close()])
    restore()
  })

  it('listRepositoryTags: every tag, by name or parsed; a missing repository is ImageNotFoundError', async () => {
    assert.deepEqual((await listRepositoryTags(`${open.host}/ops/app`, insecure)).sort(), ['1', '2', 'b'])
    assert.deepEqual(await listRepositoryTags(parseNormalizedReference(`${open.host}/other`), insecure), ['x'])
    await assert.rejects(listRepositoryTags(`${open.host}/nope`, insecure), ImageNotFoundError)
    await assert.rejects(listRepositoryTags(`${open.host}/ops/app:1`, insecure), InvalidReferenceError)
  })

  it('listRepositories: the catalog, following pagination', async () => {
    assert.deepEqual(await listRepositories(open.host, insecure), ['ops/app', 'other'])
    assert.deepEqual(await listRepositories(open.host, { ...insecure, pageSize: 1 }), ['ops/app', 'other'])
  })

  it('checkRegistryCredentials: true for good credentials, false for bad ones, throws when unreachable', async () => {
    assert.equal(await checkRegistryCredentials(locked.host, { username: 'alice', password: 'wonder' }, insecure), true)
    assert.equal(await checkRegistryCredentials(locked.host, { username: 'alice', password: 'nope' }, insecure), false)
    assert.equal(await checkRegistryCredentials(locked.host, { username: 'bob', password: 'wonder' }, insecure), false)
    // without tlsVerify: false the client speaks TLS to a plain-HTTP registry
    await assert.rejects(
      checkRegistryCredentials(locked.host, { username: 'alice', password: 'wonder' }),
      (e: unknown) => isSkiffError(e) && e.code === 'ERR_TLS',
    )
  })

  it('untag: distribution 2.x cannot remove just a tag, and the tag stays', async () => {
    await assert.rejects(
      untag(`docker://${open.host}/ops/app:b`, insecure),
      (e: unknown) => isSkiffError(e) && e.code === 'ERR_UNSUPPORTED',
    )
    assert.ok((await listRepositoryTags(`${open.host}/ops/app`, insecure)).includes('b'))
  })
})
