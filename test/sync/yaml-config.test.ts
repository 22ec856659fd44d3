import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseSyncYaml } from '../../src/sync/yaml-config.js'

test('yaml: the example of man skopeo-sync', () => {
  const text = `registry.example.com:
    images:
        busybox: []
        redis:
            - "1.0"
            - 2.0
            - "sha256:0000000000000000000000000000000011111111111111111111111111111111"
    images-by-tag-regex:
        nginx: ^1\\.13\\.[12]-alpine-perl$
    images-by-semver:
        alpine: ">= 3.12, < 3.15"
    credentials:
        username: john
        password: this is a secret
    tls-verify: true
    cert-dir: /home/john/certs
quay.io:
    tls-verify: false
    unknown-key: ignored
    images:
        coreos/etcd:
            - latest
`
  assert.deepEqual(parseSyncYaml(text, 'sync.yml'), [
    {
      registry: 'registry.example.com',
      images: [
        { repo: 'busybox', refs: [] },
        {
          repo: 'redis',
          refs: ['1.0', '2.0', 'sha256:0000000000000000000000000000000011111111111111111111111111111111'],
        },
      ],
      tagRegex: [{ repo: 'nginx', pattern: '^1\\.13\\.[12]-alpine-perl$' }],
      semver: [{ repo: 'alpine', constraint: '>= 3.12, < 3.15' }],
      credentials: { username: 'john', password: 'this is a secret' },
      tlsVerify: true,
      certDir: '/home/john/certs',
    },
    {
      registry: 'quay.io',
      images: [{ repo: 'coreos/etcd', refs: ['latest'] }],
      tagRegex: [],
      semver: [],
      tlsVerify: false,
    },
  ])
})

test('yaml: empty file, null image list, errors name the file', () => {
  assert.deepEqual(parseSyncYaml('', 'e.yml'), [])
  assert.deepEqual(parseSyncYaml('r.io:\n  images:\n    app:\n', 'n.yml')[0]!.images, [{ repo: 'app', refs: [] }])
  assert.throws(
    () => parseSyncYaml('r.io:\n  images:\n    app: latest\n', 'b.yml'),
    /Failed to unmarshal "b.yml": r\.io\.images\.app must be a list/,
  )
  assert.throws(
    () => parseSyncYaml('r.io:\n  tls-verify: maybe\n', 'b.yml'),
    /tls-verify: cannot read "maybe" as a boolean/,
  )
  assert.throws(() => parseSyncYaml('r.io: [\n', 'b.yml'), /Failed to unmarshal "b.yml"/)
})
