/**
 * skopeo's observable contracts that scripts rely on, checked against skopeo 1.9.3 side by side:
 * no command = usage error; the platform-mismatch wording; progress lines without a terminal (byte
 * for byte: skopeo prints them on stdout, skiff on stderr) and bars only on a terminal.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { smallImage, writeOciImage, writeOciIndex } from '../helpers/fixtures.js'
import { hasTool, skopeo, withTempDir } from '../helpers/tools.js'
import { CLI_SHELL, ROOT, skiff } from './run-skiff.js'

/** The message of skopeo's `level=fatal msg="…"` line, unquoted. */
function skopeoFatal(stderr: string): string {
  const m = /level=fatal msg="((?:[^"\\]|\\.)*)"/.exec(stderr)
  assert.ok(m, stderr)
  return JSON.parse(`"${m[1]}"`) as string
}

test("no command: skopeo's usage error and exit 1, not the help", async () => {
  const theirs = await skopeo([])
  const ours = await skiff([])
  assert.equal(theirs.code, 1)
  assert.equal(ours.code, 1)
  assert.equal(ours.stdout, '')
  assert.equal(skopeoFatal(theirs.stderr), "Missing command 'skopeo COMMAND'\nTry 'skopeo --help' for more information")
  assert.equal(ours.stderr, "skiff: Missing command 'skiff COMMAND'\nTry 'skiff --help' for more information.\n")
  // global flags alone are no command either
  const flagsOnly = await skiff(['--insecure-policy'])
  assert.equal(flagsOnly.code, 1)
  assert.equal(flagsOnly.stderr, ours.stderr)
  // `skiff help` still prints the help
  const help = await skiff(['help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^Usage:$/m)
})

test("platform mismatch: skopeo's words first (copy and inspect, OCI index and Docker list), then skiff's hint", async () => {
  await withTempDir(async (t) => {
    await writeOciIndex(join(t, 'multi'), 'm', [
      smallImage('a', { architecture: 'amd64' }),
      smallImage('b', { architecture: 'arm64' }),
    ])
    const docker = await skopeo(['copy', '-q', '--all', '--format', 'v2s2', `oci:${t}/multi:m`, `dir:${t}/dlist`])
    assert.equal(docker.code, 0, docker.stderr)
    for (const src of [`oci:${t}/multi:m`, `dir:${t}/dlist`]) {
      const ti = await skopeo(['--override-arch', 's390x', 'inspect', src])
      const oi = await skiff(['--override-arch', 's390x', 'inspect', src])
      // skopeo 1.9.3 wraps it in "Error parsing manifest for image: "
      const inspectWords = skopeoFatal(ti.stderr).replace(/^Error parsing manifest for image: /, '')
      assert.match(
        inspectWords,
        /^choosing image instance: no image found in (image index|manifest list) for architecture s390x, variant "", OS linux$/,
      )
      assert.equal(oi.code, ti.code, oi.stderr)
      assert.ok(
        oi.stderr.startsWith(
          `skiff: ${inspectWords} (${src} has: linux/amd64, linux/arm64); choose one with --override-os/--override-arch/--override-variant`,
        ),
        oi.stderr,
      )

      const tc = await skopeo(['--override-arch', 's390x', 'copy', '-q', src, `dir:${t}/out`])
      const oc = await skiff(['--insecure-policy', '--override-arch', 's390x', 'copy', '-q', src, `dir:${t}/out`])
      const copyWords = skopeoFatal(tc.stderr)
      assert.equal(
        copyWords,
        `choosing an image from manifest list ${src}: ${inspectWords.replace(/^choosing image instance: /, '')}`,
      )
      assert.equal(oc.code, 1)
      assert.ok(oc.stderr.startsWith(`skiff: ${copyWords} (`), oc.stderr)
      assert.equal(oc.stderr.split('\n').length, 2, oc.stderr)
    }
  })
})

/** skiff's stderr and skopeo's stdout for the same copy (the destinations side by side). */
async function bothCopy(
  t: string,
  args: (dest: (name: string) => string) => string[],
): Promise<{ ours: string; theirs: string }> {
  const theirs = await skopeo(['copy', ...args((n) => `${t}/skopeo-${n}`)])
  assert.equal(theirs.code, 0, theirs.stderr)
  const ours = await skiff(['--insecure-policy', 'copy', ...args((n) => `${t}/skiff-${n}`)])
  assert.equal(ours.code, 0, ours.stderr)
  assert.equal(ours.stdout, '')
  return { ours: ours.stderr, theirs: theirs.stdout }
}

test('without a terminal, progress lines are skopeo 1.9.3 non-TTY lines byte for byte', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'src'), 'v1', smallImage('lines'))
    await writeOciIndex(join(t, 'multi'), 'm', [
      smallImage('a', { architecture: 'amd64' }),
      smallImage('b', { architecture: 'arm64' }),
    ])
    // one image, to dir:
    let r = await bothCopy(t, (d) => [`oci:${t}/src:v1`, `dir:${d('dir')}`])
    assert.equal(r.ours, r.theirs)
    assert.match(r.ours, /^Getting image source signatures\nCopying blob sha256:[0-9a-f]{64}\n/)
    // again into a layout that has the blobs (reused: the same lines)
    await bothCopy(t, (d) => [`oci:${t}/src:v1`, `oci:${d('layout')}:a`])
    r = await bothCopy(t, (d) => [`oci:${t}/src:v1`, `oci:${d('layout')}:b`])
    assert.equal(r.ours, r.theirs)
    // a whole list: list lines, per-instance lines
    r = await bothCopy(t, (d) => ['--all', `oci:${t}/multi:m`, `oci:${d('all')}:x`])
    assert.equal(r.ours, r.theirs)
    assert.match(
      r.ours,
      /^Getting image list signatures\nCopying 2 of 2 images in list\nCopying image sha256:[0-9a-f]{64} \(1\/2\)\n/,
    )
    assert.match(r.ours, /Writing manifest list to image destination\nStoring list signatures\n$/)
    // one instance of a list (the default)
    r = await bothCopy(t, (d) => ['--override-arch', 'arm64', `oci:${t}/multi:m`, `dir:${d('one')}`])
    assert.equal(r.ours, r.theirs)
  })
})

test(
  'on a terminal (a pty through script(1)), progress is drawn as bars ending in "Copying blob <12 hex> done"',
  { skip: !hasTool('script') && 'needs script(1) (bsdutils)' },
  async () => {
    await withTempDir(async (t) => {
      const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('tty'))
      const cmd = `${CLI_SHELL} --insecure-policy copy oci:${t}/src:v1 dir:${t}/out`
      // the typescript goes to a file of the test's own (never to /dev/*)
      const r = spawnSync('script', ['-q', '-e', '-c', cmd, join(t, 'typescript')], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, TERM: 'xterm' },
      })
      assert.equal(r.status, 0, r.stdout + r.stderr)
      const screen = await readFile(join(t, 'typescript'), 'utf8')
      assert.match(screen, /\x1b\[2K/, 'bars are redrawn in place')
      for (const l of img.layers) assert.ok(screen.includes(`Copying blob ${l.digest.slice(7, 19)} done`), screen)
      assert.ok(!screen.includes(`Copying blob ${img.layers[0]!.digest}`), 'not the non-TTY lines')
    })
  },
)

// Flags skopeo added between 1.9.3 (the oracle installed here, compared by main.test.ts) and
// 1.22.0 (the version `skiff --version` names), from skopeo's docs/skopeo-*.1.md at v1.22.0.
const SKOPEO_1_22_NEW_FLAGS: Record<string, string[]> = {
  '': ['--user-agent-prefix'],
  copy: [
    '--dest-force-compress-format',
    '--image-parallel-copies',
    '--retry-delay',
    '--sign-by-sigstore',
    '--sign-by-sq-fingerprint',
  ],
  inspect: ['--retry-delay'],
  sync: ['--append-suffix', '--digestfile', '--retry-delay', '--sign-by-sigstore', '--sign-by-sq-fingerprint'],
  'list-tags': ['--retry-delay'],
  delete: ['--retry-delay'],
  login: ['--compat-auth-file'],
  logout: ['--compat-auth-file'],
}

test('skiff accepts and lists the flags skopeo added up to 1.22.0; the commands too', async () => {
  for (const [cmd, flags] of Object.entries(SKOPEO_1_22_NEW_FLAGS)) {
    const help = await skiff([...(cmd ? [cmd] : []), '--help'])
    assert.equal(help.code, 0)
    for (const f of flags)
      assert.match(help.stdout, new RegExp(`^\\s+(-\\w, )?${f}[ =]`, 'm'), `skiff ${cmd} --help lacks ${f}`)
  }
  const root = await skiff(['--help'])
  for (const c of [
    'copy',
    'delete',
    'generate-sigstore-key',
    'inspect',
    'list-tags',
    'login',
    'logout',
    'manifest-digest',
    'standalone-sign',
    'standalone-verify',
    'sync',
  ]) {
    assert.match(root.stdout, new RegExp(`^  ${c} `, 'm'), c)
  }
  // signing is not implemented: the flags fail clearly instead of being ignored
  for (const [flag, value] of [
    ['--sign-by-sigstore', '/x.yaml'],
    ['--sign-by-sq-fingerprint', 'ABCD'],
  ]) {
    const r = await skiff([
      '--insecure-policy',
      'copy',
      flag!,
      value!,
      'oci:examples/hello:latest',
      'dir:/nonexistent/x',
    ])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      new RegExp(`^skiff: signing with .* \\(${flag}\\) is not supported by this version of skiff yet`),
    )
  }
})

test('--user-agent-prefix: registries see "PREFIX skiff/VERSION"; --dest-force-compress-format is accepted with a format', async () => {
  const { startRegistry } = await import('../helpers/registry/index.js')
  const { VERSION } = await import('../../src/version.js')
  const reg = await startRegistry()
  try {
    await withTempDir(async (t) => {
      const r = await skiff([
        '--insecure-policy',
        '--user-agent-prefix',
        'my-mirror/2.0',
        'copy',
        '-q',
        '--dest-tls-verify=false',
        '--dest-compress-format',
        'gzip',
        '--dest-force-compress-format',
        'oci:examples/hello:latest',
        `docker://${reg.host}/ua:1`,
      ])
      assert.equal(r.code, 0, r.stderr)
      const agents = new Set(reg.requests().map((e) => e.userAgent))
      assert.deepEqual([...agents], [`my-mirror/2.0 skiff/${VERSION}`])
      const i = await skiff(['--user-agent-prefix', 'p', 'inspect', '--tls-verify=false', `docker://${reg.host}/ua:1`])
      assert.equal(i.code, 0, i.stderr)
      assert.equal(reg.requests().at(-1)!.userAgent, `p skiff/${VERSION}`)
      const bad = await skiff([
        '--insecure-policy',
        'copy',
        '--dest-force-compress-format',
        'oci:examples/hello:latest',
        `dir:${t}/x`,
      ])
      assert.equal(bad.code, 1)
      assert.match(bad.stderr, /--dest-force-compress-format requires --dest-compress-format/)
    })
  } finally {
    await reg.close()
  }
})
