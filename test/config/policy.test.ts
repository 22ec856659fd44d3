import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultPolicyPath } from '../../src/config/policy.js'
import {
  insecureAcceptAnythingPolicy,
  loadPolicy,
  loadPolicyContext,
  requirementsFor,
} from '../../src/policy/context.js'
import { PolicyDeniedError, SkiffError } from '../../src/errors.js'
import { parseImageName } from '../../src/transports/registry.js'
import type { ImageSource } from '../../src/transports/types.js'
import { run, skopeo, withTempDir } from '../helpers/tools.js'
import { smallImage, writeOciImage } from '../helpers/fixtures.js'

const accept = { type: 'insecureAcceptAnything' }
const reject = { type: 'reject' }

async function writePolicy(dir: string, policy: unknown, name = 'policy.json'): Promise<string> {
  const p = join(dir, name)
  await writeFile(p, typeof policy === 'string' ? policy : JSON.stringify(policy))
  return p
}

/** skopeo's message for a policy file (it loads the policy before anything else in copy). */
async function skopeoPolicyError(policyPath: string, image: string, dest: string): Promise<string> {
  const r = await run('skopeo', ['--policy', policyPath, 'copy', '-q', image, dest])
  assert.notEqual(r.code, 0, `skopeo accepted ${policyPath}`)
  return /msg="(.*)"\s*$/.exec(r.stderr)![1]!.replace(/\\"/g, '"')
}

async function checkWith(policyPath: string, image: string): Promise<void> {
  const ctx = await loadPolicyContext({ policyPath })
  const ref = parseImageName(image)
  const src = await ref.newImageSource()
  try {
    await ctx.checkSource(ref, src)
  } finally {
    await src.close()
  }
}

test('strict parsing: the same files skopeo rejects are rejected, with the same detail', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    await writeOciImage(layout, 't', smallImage('p'))
    const image = `oci:${layout}:t`
    const bad: unknown[] = [
      '{"default":[{"type":"insecureAcceptAnything"}],"foo":1}',
      '{"default":[]}',
      '{}',
      '{"default":[{"type":"insecureAcceptAnything","x":1}]}',
      '{"default":[{"type":"bogus"}]}',
      '{"default":[{"type":"insecureAcceptAnything"}],"default":[]}',
      '[1]',
      'x',
      '{"default":[{"type":"signedBy","keyType":"GPGKeys"}]}',
      '{"default":[{"type":"signedBy","keyType":"Foo","keyPath":"/x"}]}',
      '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","keyData":"YQ=="}]}',
      '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"exactReference","dockerReference":"busybox"}}]}',
      '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"nope"}}]}',
      '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"matchExact","extra":1}}]}',
      '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"exactRepository"}}]}',
      '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"remapIdentity","prefix":"example.com/a","signedPrefix":"Not Valid"}}]}',
      '{"default":[{"type":"sigstoreSigned"}]}',
      '{"default":[{"type":"sigstoreSigned","keyPath":"/a","keyData":"YQ=="}]}',
      '{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"https://i","subjectEmail":"a@b"}}]}',
      '{"default":[{"type":"sigstoreSigned","keyPath":"/a","rekorPublicKeyPath":"/r","rekorPublicKeyData":"YQ=="}]}',
      { default: [accept], transports: { oci: { relative: [reject] } } },
      { default: [accept], transports: { dir: { '/': [reject] } } },
    ]
    for (const [i, policy] of bad.entries()) {
      const path = await writePolicy(dir, policy, `bad${i}.json`)
      const theirs = await skopeoPolicyError(path, image, `dir:${join(dir, `d${i}`)}`)
      await assert.rejects(loadPolicy(path), (e: unknown) => {
        assert.ok(e instanceof SkiffError)
        assert.equal(e.code, 'ERR_POLICY_INVALID')
        // sigstoreSigned: skiff knows the newer key sources (keyPaths, keyDatas, fulcio, pki), so its
        // messages list them; skopeo 1.9.3 (containers/image 5.23) names only keyPath and keyData.
        const sameDetail = !JSON.stringify(policy).includes('sigstoreSigned')
        if (sameDetail)
          assert.ok(
            e.message.startsWith(theirs),
            `${JSON.stringify(policy)}\n ours:   ${e.message}\n theirs: ${theirs}`,
          )
        else assert.ok(e.message.startsWith(theirs.slice(0, theirs.indexOf('": ') + 3)), e.message)
        assert.ok(!e.message.includes('\n'))
        return true
      })
    }
  })
})

test('every requirement and identity type parses; unknown transports keep any scope', async () => {
  await withTempDir(async (dir) => {
    const key = { keyType: 'GPGKeys', keyPath: '/k.gpg' }
    const policy = {
      default: [reject],
      transports: {
        docker: {
          'example.com/a': [{ type: 'signedBy', ...key, signedIdentity: { type: 'matchExact' } }],
          'example.com/b': [
            {
              type: 'signedBy',
              keyType: 'GPGKeys',
              keyPaths: ['/a', '/b'],
              signedIdentity: { type: 'matchRepoDigestOrExact' },
            },
          ],
          'example.com/c': [
            { type: 'signedBy', keyType: 'GPGKeys', keyData: 'YWJj', signedIdentity: { type: 'matchRepository' } },
          ],
          'example.com/d': [
            {
              type: 'signedBy',
              ...key,
              signedIdentity: { type: 'exactReference', dockerReference: 'example.com/x:1' },
            },
          ],
          'example.com/e': [
            {
              type: 'signedBy',
              ...key,
              signedIdentity: { type: 'exactRepository', dockerRepository: 'example.com/x' },
            },
          ],
          'example.com/f': [
            {
              type: 'signedBy',
              ...key,
              signedIdentity: { type: 'remapIdentity', prefix: 'example.com/f', signedPrefix: 'vendor.example' },
            },
          ],
          'example.com/g': [
            { type: 'sigstoreSigned', keyPath: '/cosign.pub', signedIdentity: { type: 'matchRepository' } },
          ],
          'example.com/h': [{ type: 'sigstoreSigned', keyData: 'YWJj', rekorPublicKeyPath: '/rekor.pub' }],
          'example.com/i': [
            {
              type: 'sigstoreSigned',
              fulcio: { caData: 'YWJj', oidcIssuer: 'https://issuer', subjectEmail: 'a@b' },
              rekorPublicKeyData: 'YWJj',
            },
          ],
        },
        'no-such-transport': { 'anything goes': [accept] },
        oci: { '': [accept] },
      },
    }
    const p = await loadPolicy(await writePolicy(dir, policy))
    const docker = p.transports.get('docker')!
    assert.deepEqual(docker.get('example.com/a'), [
      { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k.gpg', signedIdentity: { type: 'matchExact' } },
    ])
    assert.deepEqual(docker.get('example.com/h'), [
      {
        type: 'sigstoreSigned',
        keyData: 'YWJj',
        rekorPublicKeyPath: '/rekor.pub',
        signedIdentity: { type: 'matchRepoDigestOrExact' },
      },
    ])
    assert.deepEqual(docker.get('example.com/i')![0], {
      type: 'sigstoreSigned',
      fulcio: { caData: 'YWJj', oidcIssuer: 'https://issuer', subjectEmail: 'a@b' },
      rekorPublicKeyData: 'YWJj',
      signedIdentity: { type: 'matchRepoDigestOrExact' },
    })
    assert.equal(docker.size, 9)
    assert.deepEqual(p.transports.get('no-such-transport')!.get('anything goes'), [accept])
    // skopeo accepts the same file (less the rekor/fulcio fields, newer than its containers/image 5.23)
    delete (policy.transports.docker as Record<string, unknown>)['example.com/h']
    delete (policy.transports.docker as Record<string, unknown>)['example.com/i']
    const layout = join(dir, 'oci')
    await writeOciImage(layout, 't', smallImage('q'))
    const r = await run('skopeo', [
      '--policy',
      await writePolicy(dir, policy, 'older.json'),
      'copy',
      '-q',
      `oci:${layout}:t`,
      `dir:${join(dir, 'out')}`,
    ])
    assert.equal(r.code, 0, r.stderr)
  })
})

test('a missing policy file: one line naming the file and what to do', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'nope.json')
    await assert.rejects(loadPolicyContext({ policyPath: path }), (e: unknown) => {
      assert.ok(e instanceof SkiffError)
      assert.equal(e.code, 'ERR_POLICY_INVALID')
      assert.ok(e.message.startsWith(`Error loading trust policy: open ${path}: no such file or directory`), e.message)
      assert.match(e.message, /point to one with `policyPath`, or pass `insecure: true`/)
      assert.ok(!e.message.includes('\n'))
      return true
    })
    // --insecure-policy does not read any file
    const ctx = await loadPolicyContext({ policyPath: path, insecure: true })
    const ref = parseImageName(`dir:${dir}`)
    await ctx.checkSource(ref, undefined as unknown as ImageSource)
  })
})

test('the default policy path: $HOME/.config/containers/policy.json when it exists, else /etc/containers/policy.json', async () => {
  await withTempDir(async (home) => {
    assert.equal(await defaultPolicyPath(home), '/etc/containers/policy.json')
    await mkdir(join(home, '.config', 'containers'), { recursive: true })
    await writePolicy(join(home, '.config', 'containers'), { default: [reject] })
    assert.equal(await defaultPolicyPath(home), join(home, '.config', 'containers', 'policy.json'))
  })
})

test("evaluation: accept, reject (skopeo's message), all requirements must pass", async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    await writeOciImage(layout, 't', smallImage('e'))
    const image = `oci:${layout}:t`
    await checkWith(await writePolicy(dir, { default: [accept] }, 'a.json'), image)
    const rejectPath = await writePolicy(dir, { default: [reject] }, 'r.json')
    const theirs = await skopeoPolicyError(rejectPath, image, `dir:${join(dir, 'x')}`)
    assert.equal(theirs, `Source image rejected: Running image ${image} is rejected by policy.`)
    await assert.rejects(
      checkWith(rejectPath, image),
      (e: unknown) => e instanceof PolicyDeniedError && e.code === 'ERR_POLICY_DENIED' && e.message === theirs,
    )
    await assert.rejects(
      checkWith(await writePolicy(dir, { default: [accept, reject] }, 'ar.json'), image),
      PolicyDeniedError,
    )
  })
})

test("signedBy / sigstoreSigned: denied without signatures (skopeo's message) and never accepted with them", async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    await writeOciImage(layout, 't', smallImage('s'))
    const image = `oci:${layout}:t`
    for (const req of [
      { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/nonexistent.gpg' },
      { type: 'sigstoreSigned', keyPath: '/nonexistent.pub' },
    ]) {
      const path = await writePolicy(dir, { default: [req] }, `${req.type}.json`)
      const theirs = await skopeoPolicyError(path, image, `dir:${join(dir, 'x')}`)
      await assert.rejects(
        checkWith(path, image),
        (e: unknown) => e instanceof PolicyDeniedError && e.message === theirs,
      )
    }
    // An image with a signature file that is no signature: refused as skopeo refuses it.
    const signed = join(dir, 'signed')
    const c = await skopeo(['copy', '-q', image, `dir:${signed}`])
    assert.equal(c.code, 0, c.stderr)
    await writeFile(join(signed, 'signature-1'), 'not really a signature')
    for (const type of ['signedBy', 'sigstoreSigned']) {
      const req = type === 'signedBy' ? { type, keyType: 'GPGKeys', keyPath: '/k.gpg' } : { type, keyPath: '/k.pub' }
      const path = await writePolicy(
        dir,
        { default: [accept], transports: { dir: { [signed]: [req] } } },
        `signed-${type}.json`,
      )
      const theirs = await skopeoPolicyError(path, `dir:${signed}`, `dir:${join(dir, 'y')}`)
      await assert.rejects(checkWith(path, `dir:${signed}`), (e: unknown) => {
        assert.ok(e instanceof PolicyDeniedError)
        assert.equal(e.message, theirs)
        return true
      })
    }
  })
})

test('scope precedence: identity, then namespaces most specific first, then the transport default, then default', async () => {
  await withTempDir(async (dir) => {
    const a = join(dir, 'a')
    const ab = join(a, 'b')
    const abc = join(ab, 'c')
    const policy = {
      default: [{ type: 'reject' }],
      transports: {
        dir: {
          [abc]: [{ type: 'insecureAcceptAnything' }, { type: 'reject' }],
          [ab]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k' }],
          [a]: [{ type: 'sigstoreSigned', keyPath: '/k' }],
          '': [{ type: 'insecureAcceptAnything' }],
        },
        oci: { [join(dir, 'l')]: [{ type: 'insecureAcceptAnything' }] },
      },
    }
    const p = await loadPolicy(await writePolicy(dir, policy))
    const reqs = (image: string): string[] => requirementsFor(p, parseImageName(image)).map((r) => r.type)
    assert.deepEqual(reqs(`dir:${abc}`), ['insecureAcceptAnything', 'reject'])
    assert.deepEqual(reqs(`dir:${join(abc, 'd')}`), ['insecureAcceptAnything', 'reject'])
    assert.deepEqual(reqs(`dir:${join(ab, 'x')}`), ['signedBy'])
    assert.deepEqual(reqs(`dir:${join(a, 'y', 'z')}`), ['sigstoreSigned'])
    assert.deepEqual(reqs(`dir:${join(dir, 'other')}`), ['insecureAcceptAnything'])
    assert.deepEqual(reqs(`oci:${join(dir, 'l')}:t`), ['insecureAcceptAnything'])
    assert.deepEqual(reqs(`oci:${join(dir, 'm')}:t`), ['reject'])
    assert.deepEqual(reqs(`docker-archive:${join(dir, 'x.tar')}`), ['reject'])
  })
})

test('insecureAcceptAnythingPolicy accepts anything', async () => {
  const ref = parseImageName('dir:/nonexistent/x')
  await insecureAcceptAnythingPolicy().checkSource(ref, undefined as unknown as ImageSource)
})
