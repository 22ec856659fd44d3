/**
 * Fast, in-process tests of policy.json parsing and evaluation (no external tools), for
 * `npm run mutate`. The expected messages are skopeo 1.9.3's for the same files (recorded by
 * running `skopeo --policy FILE copy …` on each; test/config/policy.test.ts compares with skopeo
 * live). `undefined`: skopeo accepts the file.
 */
import {
  SIGSTORE_SIGNATURE_MIME_TYPE,
  type Signature,
  sigstoreSignature,
  simpleSigning,
} from '../../src/signature/types.js'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parsePolicy } from '../../src/config/policy-parse.js'
import { PolicyFormatError } from '../../src/config/policy-json.js'
import { defaultPolicyPath } from '../../src/config/policy.js'
import {
  insecureAcceptAnythingPolicy,
  loadPolicy,
  loadPolicyContext,
  requirementsFor,
} from '../../src/policy/context.js'
import { PolicyDeniedError } from '../../src/errors.js'
import { getTransport, parseImageName } from '../../src/transports/registry.js'
import type { ImageReference, ImageSource } from '../../src/transports/types.js'

const CASES: [string, string | RegExp | undefined][] = [
  ['{"default":[{"type":"insecureAcceptAnything"}],"foo":1}', 'Unknown key "foo"'],
  ['{"default":[]}', 'List of verification policy requirements must not be empty'],
  ['{}', 'Default policy is missing'],
  ['{"default":[{"type":"insecureAcceptAnything","x":1}]}', 'Unknown key "x"'],
  ['{"default":[{"type":"bogus"}]}', 'Unknown policy requirement type "bogus"'],
  ['{"default":[{"type":"insecureAcceptAnything"}],"default":[]}', 'Duplicate key "default"'],
  ['[1]', 'JSON object expected, got "["'],
  ['x', "invalid character 'x' looking for beginning of value"],
  ['{"default":null}', 'List of verification policy requirements must not be empty'],
  ['{"default":[{"type":1}]}', 'json: cannot unmarshal number into Go struct field'], // skopeo goes on: "prCommon.type of type signature.prTypeIdentifier" (Go type names); skiff: "of type string (\"type\")"
  [
    '{"default":[{"type":"reject"}],"transports":{"docker":{"example.com/a":[]}}}',
    'List of verification policy requirements must not be empty',
  ],
  ['{"default":[{"type":"reject"}],"transports":{"docker":{"Bad Scope!":[{"type":"reject"}]}}}', undefined],
  ['{"default":[{"type":"reject"}],"transports":{"docker":[1]}}', 'JSON object expected, got "["'],
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys"}]}',
    'Exactly one of keyPath, keyPaths and keyData must be specified, none of them present',
  ],
  ['{"default":[{"type":"signedBy","keyType":"Foo","keyPath":"/x"}]}', 'Unrecognized keyType value "Foo"'],
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","keyData":"YQ=="}]}',
    'Exactly one of keyPath, keyPaths and keyData must be specified, more than one present',
  ],
  ['{"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"!!"}]}', 'illegal base64 data'], // skopeo: "at input byte 0"; skiff names the field instead: "in \"keyData\""
  ['{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPaths":[]}]}', undefined],
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"exactReference","dockerReference":"busybox"}}]}',
    'dockerReference busybox contains neither a tag nor digest',
  ],
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"nope"}}]}',
    'Unknown policy reference match type "nope"',
  ],
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"matchExact","extra":1}}]}',
    'Unknown key "extra"',
  ],
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"exactRepository"}}]}',
    'Key "dockerRepository" missing in a JSON object',
  ],
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"exactRepository","dockerRepository":"UPPER/x"}}]}',
    /^Invalid format of dockerRepository "?UPPER\/x"?: invalid reference.*: repository name must be lowercase$/,
  ], // skopeo: no quotes, "invalid reference format:"
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"remapIdentity","prefix":"example.com/a","signedPrefix":"Not Valid"}}]}',
    'prefix "Not Valid" is not valid',
  ],
  [
    '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/x","signedIdentity":{"type":"remapIdentity","prefix":"example.com/a","signedPrefix":"example.com"}}]}',
    undefined,
  ],
  ['{"default":[{"type":"signedBaseLayer"}]}', 'Key "baseLayerIdentity" missing in a JSON object'],
  ['{"default":[{"type":"signedBaseLayer","baseLayerIdentity":{"type":"matchExact"}}]}', undefined],
  [
    '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"oci":{"relative":[{"type":"reject"}]}}}',
    'Unknown key "relative"',
  ],
  ['{"default":[{"type":"insecureAcceptAnything"}],"transports":{"dir":{"/":[{"type":"reject"}]}}}', 'Unknown key "/"'],
]

test('parsing: the files skopeo rejects are rejected with its message; the files it accepts are accepted', () => {
  for (const [text, theirs] of CASES) {
    if (theirs === undefined) {
      assert.doesNotThrow(() => parsePolicy(text, getTransport), text)
      continue
    }
    assert.throws(
      () => parsePolicy(text, getTransport),
      (e: unknown) => {
        assert.ok(e instanceof PolicyFormatError, `${text}: ${String(e)}`)
        if (typeof theirs === 'string')
          assert.ok(e.message.startsWith(theirs), `${text}\n ours:   ${e.message}\n theirs: ${theirs}`)
        else assert.match(e.message, theirs)
        assert.ok(!e.message.includes('\n'))
        return true
      },
      text,
    )
  }
})

test('parsing: what a valid file turns into', () => {
  const p = parsePolicy(
    JSON.stringify({
      default: [{ type: 'reject' }],
      transports: {
        docker: {
          'example.com/a': [{ type: 'insecureAcceptAnything' }, { type: 'reject' }],
          'example.com/b': [{ type: 'signedBy', keyType: 'GPGKeys', keyPaths: ['/a', '/b'] }],
          'example.com/c': [
            {
              type: 'signedBy',
              keyType: 'GPGKeys',
              keyData: 'YWJj',
              signedIdentity: { type: 'remapIdentity', prefix: 'example.com/c', signedPrefix: 'vendor.example/c' },
            },
          ],
        },
        oci: { '': [{ type: 'insecureAcceptAnything' }] },
      },
    }),
    getTransport,
  )
  assert.deepEqual(p.default, [{ type: 'reject' }])
  assert.deepEqual([...p.transports.keys()].sort(), ['docker', 'oci'])
  const docker = p.transports.get('docker')!
  assert.deepEqual(docker.get('example.com/a'), [{ type: 'insecureAcceptAnything' }, { type: 'reject' }])
  assert.deepEqual(docker.get('example.com/b'), [
    {
      type: 'signedBy',
      keyType: 'GPGKeys',
      keyPaths: ['/a', '/b'],
      signedIdentity: { type: 'matchRepoDigestOrExact' },
    },
  ])
  assert.deepEqual(docker.get('example.com/c'), [
    {
      type: 'signedBy',
      keyType: 'GPGKeys',
      keyData: 'YWJj',
      signedIdentity: { type: 'remapIdentity', prefix: 'example.com/c', signedPrefix: 'vendor.example/c' },
    },
  ])
  assert.deepEqual(p.transports.get('oci')!.get(''), [{ type: 'insecureAcceptAnything' }])
})

test('scope precedence for docker references: identity, repository, namespaces (most specific first), host, transport default, default', () => {
  const scopes = {
    'example.com/ns/app:v1': [{ type: 'insecureAcceptAnything' }],
    'example.com/ns/app': [{ type: 'reject' }, { type: 'insecureAcceptAnything' }],
    'example.com/ns': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k' }],
    'example.com': [{ type: 'sigstoreSigned', keyPath: '/k' }],
    '': [{ type: 'signedBaseLayer', baseLayerIdentity: { type: 'matchExact' } }],
  }
  const p = parsePolicy(JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: scopes } }), getTransport)
  const reqs = (image: string): string[] => requirementsFor(p, parseImageName(image)).map((r) => r.type)
  assert.deepEqual(reqs('docker://example.com/ns/app:v1'), ['insecureAcceptAnything'])
  assert.deepEqual(reqs('docker://example.com/ns/app:v2'), ['reject', 'insecureAcceptAnything'])
  assert.deepEqual(reqs('docker://example.com/ns/other:v1'), ['signedBy'])
  assert.deepEqual(reqs('docker://example.com/ns/deeper/x:v1'), ['signedBy'])
  assert.deepEqual(reqs('docker://example.com/top:v1'), ['sigstoreSigned'])
  assert.deepEqual(reqs('docker://other.example/x:v1'), ['signedBaseLayer'])
  assert.deepEqual(reqs('docker://busybox'), ['signedBaseLayer'])
  // another transport without scopes: the default
  assert.deepEqual(reqs('oci:/some/layout:t'), ['reject'])
})

/** A source for evaluation: only its signatures are consulted (a real dir: image is not needed for reject/accept). */
async function withPolicy(
  policy: unknown,
  fn: (check: (ref: ImageReference, signatures?: Signature[]) => Promise<void>) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-policy-unit-'))
  try {
    const path = join(dir, 'policy.json')
    await writeFile(path, JSON.stringify(policy))
    const ctx = await loadPolicyContext({ policyPath: path })
    await fn(async (ref, signatures = []) => {
      const source = { getSignatures: async () => signatures } as unknown as ImageSource
      await ctx.checkSource(ref, source)
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test("evaluation: accept, reject with skopeo's message, every requirement must pass, the first failure decides", async () => {
  const ref = parseImageName('docker://example.com/ns/app:v1')
  const rejected = (e: unknown): boolean =>
    e instanceof PolicyDeniedError &&
    e.code === 'ERR_POLICY_DENIED' &&
    e.message === 'Source image rejected: Running image docker://example.com/ns/app:v1 is rejected by policy.' &&
    (e as any).image === 'docker://example.com/ns/app:v1'
  await withPolicy({ default: [{ type: 'insecureAcceptAnything' }] }, async (check) => {
    await check(ref)
  })
  await withPolicy({ default: [{ type: 'reject' }] }, async (check) => {
    await assert.rejects(check(ref), rejected)
  })
  await withPolicy({ default: [{ type: 'insecureAcceptAnything' }, { type: 'reject' }] }, async (check) => {
    await assert.rejects(check(ref), rejected)
  })
  await withPolicy(
    { default: [{ type: 'reject' }, { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k' }] },
    async (check) => {
      await assert.rejects(check(ref), rejected)
    },
  )
  await withPolicy(
    {
      default: [{ type: 'insecureAcceptAnything' }],
      transports: { docker: { 'example.com/ns': [{ type: 'reject' }] } },
    },
    async (check) => {
      await assert.rejects(check(ref), rejected)
      await check(parseImageName('docker://example.com/other:v1'))
    },
  )
})

test("evaluation: signature requirements deny (skopeo's message without signatures; never accepted with them)", async () => {
  const ref = parseImageName('docker://example.com/ns/app:v1')
  for (const req of [
    { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k.gpg' },
    { type: 'sigstoreSigned', keyPath: '/k.pub' },
  ]) {
    await withPolicy({ default: [req] }, async (check) => {
      await assert.rejects(
        check(ref),
        (e: unknown) =>
          e instanceof PolicyDeniedError &&
          e.message === 'Source image rejected: A signature was required, but no signature exists',
      )
      const sig =
        req.type === 'signedBy'
          ? simpleSigning(Buffer.from('\xa3a signature', 'latin1'))
          : sigstoreSignature(SIGSTORE_SIGNATURE_MIME_TYPE, Buffer.from('{}'), {})
      await assert.rejects(check(ref, [sig]), (e: unknown) => {
        assert.ok(e instanceof PolicyDeniedError)
        // both read their key first (skopeo 1.9.3's message for a missing key file; containers/image's
        // prepareTrustRoot for sigstoreSigned)
        assert.equal(
          e.message,
          `Source image rejected: open ${req.type === 'signedBy' ? '/k.gpg' : '/k.pub'}: no such file or directory`,
        )
        return true
      })
    })
  }
  await withPolicy(
    { default: [{ type: 'signedBaseLayer', baseLayerIdentity: { type: 'matchExact' } }] },
    async (check) => {
      await assert.rejects(
        check(ref),
        (e: unknown) =>
          e instanceof PolicyDeniedError && e.message === 'Source image rejected: signedBaseLayer not implemented yet!',
      )
    },
  )
})

test('loadPolicy names the file in parse errors, one line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-policy-unit-'))
  try {
    const path = join(dir, 'p.json')
    await writeFile(path, '{"default":[]}')
    await assert.rejects(loadPolicy(path), (e: any) => {
      assert.equal(e.code, 'ERR_POLICY_INVALID')
      assert.equal(
        e.message,
        `Error loading trust policy: invalid policy in ${JSON.stringify(path)}: List of verification policy requirements must not be empty`,
      )
      assert.ok(e.cause instanceof PolicyFormatError)
      return true
    })
    await rm(path)
    await assert.rejects(
      loadPolicy(path),
      (e: any) =>
        e.code === 'ERR_POLICY_INVALID' &&
        e.message.startsWith(`Error loading trust policy: open ${path}: no such file or directory; `) &&
        e.cause?.code === 'ENOENT',
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test("the policy file used: --policy, else the user's, else the system's; --insecure-policy reads none", async () => {
  const home = await mkdtemp(join(tmpdir(), 'skiff-policy-home-'))
  try {
    assert.equal(await defaultPolicyPath(home), '/etc/containers/policy.json')
    await mkdir(join(home, '.config', 'containers'), { recursive: true })
    const user = join(home, '.config', 'containers', 'policy.json')
    await writeFile(user, JSON.stringify({ default: [{ type: 'reject' }] }))
    assert.equal(await defaultPolicyPath(home), user)
    // a folder where the file should be: one line saying so
    await assert.rejects(
      loadPolicy(home),
      (e: any) =>
        e.code === 'ERR_POLICY_INVALID' &&
        e.message.startsWith(`Error loading trust policy: open ${home}: is a directory; `) &&
        e.message.endsWith('point to one with `policyPath`, or pass `insecure: true`'),
    )
    const ref = parseImageName('docker://example.com/x:1')
    const none = { getSignatures: async () => [] } as unknown as ImageSource
    await (await loadPolicyContext({ policyPath: join(home, 'missing.json'), insecure: true })).checkSource(ref, none)
    await insecureAcceptAnythingPolicy().checkSource(ref, none)
    await assert.rejects((await loadPolicyContext({ policyPath: user })).checkSource(ref, none), PolicyDeniedError)
    await assert.rejects(
      loadPolicyContext({ policyPath: join(home, 'missing.json') }),
      (e: any) => e.code === 'ERR_POLICY_INVALID',
    )
  } finally {
    await rm(home, { recursive: true, force: true })
  }
})

test("parsing: more files, recorded with skopeo 1.9.3; the same verdict and message, or skiff's own where it differs on purpose", async () => {
  const { readFile } = await import('node:fs/promises')
  type Same = { policy: string; message: string | null }
  type Differs = { policy: string; skopeo: string | null; skiff: string | null; why: string }
  const rec = JSON.parse(await readFile(new URL('./policy-parse.skopeo.json', import.meta.url), 'utf8')) as {
    same: Same[]
    differs: Differs[]
  }
  assert.ok(rec.same.length > 70 && rec.differs.length > 40)
  const verdict = (text: string): string | null => {
    try {
      parsePolicy(text, getTransport)
      return null
    } catch (e) {
      assert.ok(e instanceof PolicyFormatError, `${text}: ${String(e)}`)
      return e.message
    }
  }
  for (const { policy, message } of rec.same) assert.equal(verdict(policy), message, policy)
  for (const { policy, skiff, why } of rec.differs) assert.equal(verdict(policy), skiff, `${policy} (${why})`)
})

test('parsing: sigstoreSigned as current containers/image (policy_config_sigstore.go; newer than skopeo 1.9.3)', () => {
  const parse = (req: Record<string, unknown>): unknown =>
    parsePolicy(JSON.stringify({ default: [{ type: 'sigstoreSigned', ...req }] }), getTransport).default[0]
  const refused = (req: Record<string, unknown>, message: string): void => {
    assert.throws(
      () => parse(req),
      (e: unknown) => e instanceof PolicyFormatError && e.message === message,
      JSON.stringify(req),
    )
  }
  const id = { type: 'matchRepoDigestOrExact' }
  const fulcio = { caPath: '/c', oidcIssuer: 'https://o', subjectEmail: 'a@b' }
  assert.deepEqual(parse({ keyPaths: ['/a', '/b'] }), {
    type: 'sigstoreSigned',
    signedIdentity: id,
    keyPaths: ['/a', '/b'],
  })
  assert.deepEqual(parse({ keyDatas: ['YQ==', 'YWJj'], signedIdentity: { type: 'matchExact' } }), {
    type: 'sigstoreSigned',
    signedIdentity: { type: 'matchExact' },
    keyDatas: ['YQ==', 'YWJj'],
  })
  assert.deepEqual(parse({ keyData: 'YQ==', rekorPublicKeyDatas: ['YQ=='] }), {
    type: 'sigstoreSigned',
    signedIdentity: id,
    keyData: 'YQ==',
    rekorPublicKeyDatas: ['YQ=='],
  })
  assert.deepEqual(parse({ fulcio, rekorPublicKeyPaths: ['/r1', '/r2'] }), {
    type: 'sigstoreSigned',
    signedIdentity: id,
    fulcio,
    rekorPublicKeyPaths: ['/r1', '/r2'],
  })
  assert.deepEqual(
    parse({ fulcio: { caData: 'YQ==', oidcIssuer: 'o', subjectEmail: 'e' }, rekorPublicKeyData: 'YQ==' }),
    {
      type: 'sigstoreSigned',
      signedIdentity: id,
      fulcio: { caData: 'YQ==', oidcIssuer: 'o', subjectEmail: 'e' },
      rekorPublicKeyData: 'YQ==',
    },
  )
  assert.deepEqual(parse({ keyPath: '/k', rekorPublicKeyPath: '/r' }), {
    type: 'sigstoreSigned',
    signedIdentity: id,
    keyPath: '/k',
    rekorPublicKeyPath: '/r',
  })
  const pki = {
    caRootsPath: '/r',
    caRootsData: undefined,
    caIntermediatesPath: '/i',
    subjectEmail: 'a@b',
    subjectHostname: 'h',
  }
  assert.deepEqual(parse({ pki: { ...pki, caRootsData: undefined } }), {
    type: 'sigstoreSigned',
    signedIdentity: id,
    pki: { caRootsPath: '/r', caIntermediatesPath: '/i', subjectEmail: 'a@b', subjectHostname: 'h' },
  })
  assert.deepEqual(parse({ pki: { caRootsData: 'YQ==', caIntermediatesData: 'YWJj', subjectHostname: 'h' } }), {
    type: 'sigstoreSigned',
    signedIdentity: id,
    pki: { caRootsData: 'YQ==', caIntermediatesData: 'YWJj', subjectHostname: 'h' },
  })
  assert.deepEqual(parse({ pki: { caRootsPath: '/r', subjectEmail: 'a@b' } }), {
    type: 'sigstoreSigned',
    signedIdentity: id,
    pki: { caRootsPath: '/r', subjectEmail: 'a@b' },
  })

  // containers/image spells the rekor ones "rekorPublickeyPaths"/"rekorPublickeyDatas"; skiff names the key as written
  for (const k of ['keyPaths', 'keyDatas', 'rekorPublicKeyPaths', 'rekorPublicKeyDatas']) {
    // (checked before the number of key sources, as the option functions run first there)
    refused({ keyPath: '/k', [k]: [] }, `"${k}" contains no entries`)
    refused({ [k]: [] }, `"${k}" contains no entries`)
    refused({ keyPath: '/k', [k]: 'x' }, `json: cannot unmarshal string into Go value of type []string (field "${k}")`)
  }
  refused({ keyDatas: ['YQ==', '!'] }, 'illegal base64 data in "keyDatas"')
  refused({ keyPath: '/k', rekorPublicKeyDatas: ['!'] }, 'illegal base64 data in "rekorPublicKeyDatas"')
  refused(
    { keyPath: '/k', rekorPublicKeyPaths: [1] },
    'json: cannot unmarshal number into Go value of type string (field "rekorPublicKeyPaths")',
  )
  refused({ keyPath: 1 }, 'json: cannot unmarshal number into Go value of type string (field "keyPath")')
  refused(
    { keyPath: '/k', rekorPublicKeyPath: 1 },
    'json: cannot unmarshal number into Go value of type string (field "rekorPublicKeyPath")',
  )
  const one = 'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified'
  refused({ keyPaths: ['/a'], keyDatas: ['YQ=='] }, one)
  refused({ keyData: 'YQ==', pki: { caRootsPath: '/r', subjectEmail: 'a' } }, one)
  refused({ keyPaths: ['/a'], fulcio, rekorPublicKeyPath: '/r' }, one)
  refused(
    { keyPath: '', keyData: 'YQ==', rekorPublicKeyPath: '/r', rekorPublicKeyPaths: ['/r'] },
    'at most one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas can be used simultaneously',
  )
  refused(
    { keyPath: '/k', rekorPublicKeyDatas: ['YQ=='], rekorPublicKeyPaths: ['/r'] },
    'at most one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas can be used simultaneously',
  )
  refused(
    { fulcio, rekorPublicKeyPath: '' },
    'At least one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas must be specified if fulcio is used',
  )
  refused({ keyPath: '/k', x: 1 }, 'Unknown key "x"')
  refused(
    { keyPath: '/k', signedIdentity: { type: 'exactRepository', dockerRepository: 'a' }, signedIdentity2: 1 },
    'Unknown key "signedIdentity2"',
  )
  // pki
  refused(
    { pki: { caRootsPath: '/r', caRootsData: 'YQ==', subjectEmail: 'a' } },
    'caRootsPath and caRootsData cannot be used simultaneously',
  )
  refused({ pki: { subjectEmail: 'a' } }, 'At least one of caRootsPath and caRootsData must be specified')
  refused(
    { pki: { caRootsPath: '', subjectEmail: 'a' } },
    'At least one of caRootsPath and caRootsData must be specified',
  )
  refused(
    { pki: { caRootsPath: '/r', caIntermediatesPath: '/i', caIntermediatesData: 'YQ==', subjectEmail: 'a' } },
    'caIntermediatesPath and caIntermediatesData cannot be used simultaneously',
  )
  refused({ pki: { caRootsPath: '/r' } }, 'At least one of subjectEmail, subjectHostname must be specified')
  refused(
    { pki: { caRootsPath: '/r', subjectEmail: '', subjectHostname: '' } },
    'At least one of subjectEmail, subjectHostname must be specified',
  )
  refused({ pki: { caRootsPath: '/r', subjectEmail: 'a', oidcIssuer: 'x' } }, 'Unknown key "oidcIssuer"')
  refused({ pki: { caRootsData: 'Y', subjectEmail: 'a' } }, 'illegal base64 data in "caRootsData"')
  refused(
    { pki: { caRootsPath: 2, subjectEmail: 'a' } },
    'json: cannot unmarshal number into Go value of type string (field "caRootsPath")',
  )
  refused({ pki: [] }, 'JSON object expected, got "["')
  // fulcio
  refused({ fulcio: { ...fulcio, subjectEmail: '' }, rekorPublicKeyPath: '/r' }, 'subjectEmail not specified')
  refused(
    { fulcio: { ...fulcio, oidcIssuer: 1 }, rekorPublicKeyPath: '/r' },
    'json: cannot unmarshal number into Go value of type string (field "oidcIssuer")',
  )
  refused(
    { fulcio: { ...fulcio, subjectEmail: 1 }, rekorPublicKeyPath: '/r' },
    'json: cannot unmarshal number into Go value of type string (field "subjectEmail")',
  )
  refused(
    { fulcio: { ...fulcio, caPath: 1 }, rekorPublicKeyPath: '/r' },
    'json: cannot unmarshal number into Go value of type string (field "caPath")',
  )
})

test('parsing: the strict reader takes escapes, numbers and literals as JSON does', () => {
  const A = '{"type":"insecureAcceptAnything"}'
  const ok = (text: string): void => assert.doesNotThrow(() => parsePolicy(text, getTransport), text)
  ok(`{"transports":{"x":{"a\\"b\\\\c\\u0041":[${A}]}},"default":[${A}]}`)
  const unknownX = (value: string): void => {
    assert.throws(
      () => parsePolicy(`{"x":${value},"default":[${A}]}`, getTransport),
      (e: unknown) => e instanceof PolicyFormatError && e.message === 'Unknown key "x"',
      value,
    )
  }
  for (const n of [
    '0',
    '-0',
    '10',
    '-1.5',
    '1.25',
    '-0.125e3',
    '2e10',
    '2E+10',
    '2e-10',
    '-0.5e3',
    'true',
    'false',
    'null',
    '"s"',
    '[]',
    '[1,[2,{}]]',
    '{}',
    '{"a":{"b":[]}}',
    ' \t\r\n1 ',
  ])
    unknownX(n)
  const p = parsePolicy(`{"transports":{"x":{"a\\"b\\u0041":[${A}]}},"default":[${A}]}`, getTransport)
  assert.deepEqual([...p.transports.get('x')!.keys()], ['a"bA'])
  assert.throws(
    () => parsePolicy(`{"default":[${A}],"transports":true}`, getTransport),
    (e: unknown) => e instanceof PolicyFormatError && e.message === 'JSON object expected, got true',
  )
  assert.throws(
    () => parsePolicy(`{"default":[${A}],"transports":{"docker":5}}`, getTransport),
    (e: unknown) => e instanceof PolicyFormatError && e.message === 'JSON object expected, got 5',
  )
  assert.throws(
    () => parsePolicy(`{"default":[${A}],"transports":{"docker":{"a.example/x":true}}}`, getTransport),
    (e: unknown) =>
      e instanceof PolicyFormatError &&
      e.message === 'json: cannot unmarshal bool into Go value of type []json.RawMessage',
  )
})

test('parsing: identities as parsed, field names in messages, "type" anywhere, why a scope is refused', () => {
  const sb = (signedIdentity: unknown): unknown =>
    parsePolicy(
      JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/x', signedIdentity }] }),
      getTransport,
    ).default[0]
  assert.deepEqual(sb({ type: 'exactReference', dockerReference: 'busybox:1' }), {
    type: 'signedBy',
    keyType: 'GPGKeys',
    keyPath: '/x',
    signedIdentity: { type: 'exactReference', dockerReference: 'busybox:1' },
  })
  assert.deepEqual(sb({ type: 'exactRepository', dockerRepository: 'busybox' }), {
    type: 'signedBy',
    keyType: 'GPGKeys',
    keyPath: '/x',
    signedIdentity: { type: 'exactRepository', dockerRepository: 'busybox' },
  })
  const refused = (text: string, message: string): void => {
    assert.throws(
      () => parsePolicy(text, getTransport),
      (e: unknown) => e instanceof PolicyFormatError && e.message === message,
      text,
    )
  }
  const id = (i: unknown): string =>
    JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/x', signedIdentity: i }] })
  refused(
    id({ type: 'exactRepository', dockerRepository: 1 }),
    'json: cannot unmarshal number into Go value of type string (field "dockerRepository")',
  )
  refused(
    id({ type: 'remapIdentity', prefix: 'example.com', signedPrefix: 1 }),
    'json: cannot unmarshal number into Go value of type string (field "signedPrefix")',
  )
  // skopeo 1.9.3: prefix "a_b" is not valid (a name without a host is neither a host nor host/path)
  refused(id({ type: 'remapIdentity', prefix: 'a_b', signedPrefix: 'example.com' }), 'prefix "a_b" is not valid')
  // "type" need not come first
  assert.deepEqual(
    parsePolicy('{"default":[{"keyType":"GPGKeys","keyPath":"/x","type":"signedBy"}]}', getTransport).default[0],
    {
      type: 'signedBy',
      keyType: 'GPGKeys',
      keyPath: '/x',
      signedIdentity: { type: 'matchRepoDigestOrExact' },
    },
  )
  refused(
    '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"oci":{"relative":[{"type":"reject"}]}}}',
    'Unknown key "relative" (invalid policy scope "relative" for transport oci: it must be an absolute path)',
  )
  refused(
    '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"oci":{"/a":[{"type":"reject"}],"/a":[]}}}',
    'Duplicate key "/a"',
  )
})

test("parsing: syntax errors name the character as Go's encoding/json quotes it (recorded with skopeo 1.9.3)", () => {
  // skopeo --policy F copy …: "Error loading trust policy: invalid policy in \"F\": MESSAGE"
  const cases: Array<[string, string]> = [
    ['{"default" "x"}', `invalid character '"' after object key`],
    ["{'a': 1}", `invalid character '\\'' looking for beginning of object key string`],
    ['{"a\x01": 1}', `invalid character '\\x01' in string literal`],
    ['{\\}', `invalid character '\\\\' looking for beginning of object key string`],
    ['{é}', `invalid character 'Ã' looking for beginning of object key string`],
    ['{"a": "\t"}', `invalid character '\\t' in string literal`],
    // strconv.Quote's escapes (the other control characters cannot be between tokens: whitespace or invalid)
    ['{"a": "\x07\b\n\v\f\r"}', `invalid character '\\a' in string literal`],
    ['{"a": "\b"}', `invalid character '\\b' in string literal`],
    ['{"a": "\n"}', `invalid character '\\n' in string literal`],
    ['{"a": "\v"}', `invalid character '\\v' in string literal`],
    ['{"a": "\f"}', `invalid character '\\f' in string literal`],
    ['{"a": "\r"}', `invalid character '\\r' in string literal`],
    ['{"a": \x7f}', `invalid character '\\x7f' looking for beginning of value`],
    ['{"default": [{"type": "reject", "x": 1.25e3x}]}', `invalid character 'x' after object key:value pair`],
    ['{"default": "x', 'unexpected end of JSON input'],
    ['{"default"', 'unexpected end of JSON input'],
  ]
  for (const [text, message] of cases) {
    assert.throws(
      () => parsePolicy(text, getTransport),
      (e: unknown) => e instanceof PolicyFormatError && e.message === message,
      JSON.stringify(text),
    )
  }
})
