/**
 * copy, delete, inspect and list-tags against registries that need authentication (htpasswd Basic
 * and a token server), with no, wrong and right credentials: one clear line naming the image and
 * advice that fits (log in / the credentials were rejected / pull-only), exit 1, never a crash.
 * skopeo side by side: it fails too (exit 1, "authentication required" / "unauthorized").
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { skopeo } from '../../helpers/tools.js'
import { copy } from '../../helpers/skiff.js'
import { skiff, type SkiffResult } from '../run-skiff.js'

const SRC = 'oci:examples/hello:latest'

function oneLineFailure(r: SkiffResult, what: string): string {
  assert.equal(r.code, 1, `${what}: exit code\n${r.stderr}`)
  assert.doesNotMatch(
    r.stderr,
    /TypeError|kConsume|\n\s+at |node:internal/,
    `${what}: no crash or stack trace\n${r.stderr}`,
  )
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('skiff: ') && !l.startsWith('skiff: warning'))
  assert.equal(lines.length, 1, `${what}: one error line\n${r.stderr}`)
  return lines[0]!
}

describe('auth failures: htpasswd registry', () => {
  let reg: Registry
  let home: string
  before(async () => {
    reg = await startRegistry({ htpasswd: { alice: 'right-pass' }, deleteEnabled: true })
    home = mkdtempSync(join(tmpdir(), 'skiff-auth-home-'))
  })
  after(async () => {
    await reg?.close()
    rmSync(home, { recursive: true, force: true })
  })
  const env = () => ({
    HOME: home,
    XDG_RUNTIME_DIR: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    REGISTRY_AUTH_FILE: join(home, 'none.json'),
  })
  const run = (args: string[]) => skiff(['--insecure-policy', ...args], { env: env() })

  it('no credentials: "authentication required", log in or pass --creds; skopeo fails too', async () => {
    const img = `docker://${reg.host}/auth/x:1`
    const cases: [string, string[]][] = [
      ['copy', ['copy', '--dest-tls-verify=false', SRC, img]],
      ['delete', ['delete', '--tls-verify=false', img]],
      ['inspect', ['inspect', '--tls-verify=false', img]],
      ['list-tags', ['list-tags', '--tls-verify=false', `docker://${reg.host}/auth/x`]],
    ]
    for (const [what, args] of cases) {
      const line = oneLineFailure(await run(args), what)
      assert.match(line, /authentication required/, what)
      assert.match(line, /log in to .* or pass --creds/, what)
      assert.ok(line.includes(`docker://${reg.host}/auth/x`), `${what} names the image: ${line}`)
    }
    const sk = await skopeo(['inspect', '--tls-verify=false', img])
    assert.equal(sk.code, 1)
    assert.match(sk.stderr, /authentication required/)
  })

  it('wrong credentials: "the registry rejected the credentials for alice"', async () => {
    const img = `docker://${reg.host}/auth/x:1`
    const cases: [string, string[]][] = [
      ['copy', ['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wrong', SRC, img]],
      ['delete', ['delete', '--tls-verify=false', '--creds', 'alice:wrong', img]],
      ['inspect', ['inspect', '--tls-verify=false', '--creds', 'alice:wrong', img]],
      ['list-tags', ['list-tags', '--tls-verify=false', '--creds', 'alice:wrong', `docker://${reg.host}/auth/x`]],
    ]
    for (const [what, args] of cases) {
      const line = oneLineFailure(await run(args), what)
      assert.match(line, /the registry rejected the credentials for alice/, what)
      assert.doesNotMatch(line, /or pass --creds/, `${what}: credentials were given: ${line}`)
    }
    const sk = await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:wrong', img])
    assert.equal(sk.code, 1)
  })

  it('right credentials: copy, inspect, list-tags and delete work', async () => {
    const img = `docker://${reg.host}/auth/ok:1`
    const c = ['--tls-verify=false', '--creds', 'alice:right-pass']
    const cp = await run(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:right-pass', SRC, img])
    assert.equal(cp.code, 0, cp.stderr)
    const ins = await run(['inspect', ...c, img])
    assert.equal(ins.code, 0, ins.stderr)
    const digest = (JSON.parse(ins.stdout) as { Digest: string }).Digest
    const sk = await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:right-pass', img])
    assert.equal((JSON.parse(sk.stdout) as { Digest: string }).Digest, digest)
    const tags = await run(['list-tags', ...c, `docker://${reg.host}/auth/ok`])
    assert.equal(tags.code, 0, tags.stderr)
    assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags, ['1'])
    const del = await run(['delete', ...c, img])
    assert.equal(del.code, 0, del.stderr)
    const gone = await run(['inspect', ...c, img])
    assert.equal(gone.code, 2, gone.stderr)
  })
})

describe('auth failures: token server', () => {
  let reg: Registry
  let home: string
  before(async () => {
    reg = await startRegistry({
      deleteEnabled: true,
      token: {
        users: {
          alice: { password: 'alice-pass', access: { 'team-a/*': ['*'], 'shared/*': ['pull'] } },
          bob: 'bob-pass',
        },
      },
    })
    home = mkdtempSync(join(tmpdir(), 'skiff-auth-home-'))
  })
  after(async () => {
    await reg?.close()
    rmSync(home, { recursive: true, force: true })
  })
  const env = () => ({
    HOME: home,
    XDG_RUNTIME_DIR: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    REGISTRY_AUTH_FILE: join(home, 'none.json'),
  })
  const run = (args: string[]) => skiff(['--insecure-policy', ...args], { env: env() })

  it('no, wrong and right credentials for copy, delete, inspect and list-tags', async () => {
    const img = `docker://${reg.host}/team-a/app:1`
    const repo = `docker://${reg.host}/team-a/app`
    const variants: [string, string[]][] = [
      ['none', []],
      ['wrong', ['alice:wrong']],
    ]
    for (const [kind, creds] of variants) {
      const c = creds.length ? ['--creds', creds[0]!] : []
      const dc = creds.length ? ['--dest-creds', creds[0]!] : []
      const cases: [string, string[]][] = [
        ['copy', ['copy', '--dest-tls-verify=false', ...dc, SRC, img]],
        ['delete', ['delete', '--tls-verify=false', ...c, img]],
        ['inspect', ['inspect', '--tls-verify=false', ...c, img]],
        ['list-tags', ['list-tags', '--tls-verify=false', ...c, repo]],
      ]
      for (const [what, args] of cases) {
        const line = oneLineFailure(await run(args), `${kind} ${what}`)
        assert.ok(line.includes(`docker://${reg.host}/team-a/app`), `${kind} ${what} names the image: ${line}`)
        if (kind === 'none') assert.match(line, /authentication required.*log in .*or pass --creds/, `${kind} ${what}`)
        else assert.match(line, /the registry rejected the credentials for alice/, `${kind} ${what}`)
      }
    }
    const ok = ['--tls-verify=false', '--creds', 'alice:alice-pass']
    assert.equal((await run(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:alice-pass', SRC, img])).code, 0)
    const ins = await run(['inspect', ...ok, img])
    assert.equal(ins.code, 0, ins.stderr)
    const tags = await run(['list-tags', ...ok, repo])
    assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags, ['1'])
    const del = await run(['delete', ...ok, img])
    assert.equal(del.code, 0, del.stderr)
    const sk = await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:wrong', img])
    assert.equal(sk.code, 1)
  })

  it('a pull-only grant: "alice may pull but not push to shared/app"; the error carries the facts', async () => {
    // bob (full access) puts an image there; alice may only pull it
    const img = `docker://${reg.host}/shared/app:1`
    assert.equal((await run(['copy', '--dest-tls-verify=false', '--dest-creds', 'bob:bob-pass', SRC, img])).code, 0)
    const pull = await run(['inspect', '--tls-verify=false', '--creds', 'alice:alice-pass', img])
    assert.equal(pull.code, 0, pull.stderr)
    const push = await run([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      'alice:alice-pass',
      SRC,
      `docker://${reg.host}/shared/app:2`,
    ])
    const line = oneLineFailure(push, 'push to a pull-only repository')
    assert.match(line, /alice may pull but not push to shared\/app/)
    assert.doesNotMatch(line, /or pass --creds/)
  })

  it('valid credentials without access to the repository: "alice may not pull from other/app"', async () => {
    const r = await run([
      'inspect',
      '--tls-verify=false',
      '--creds',
      'alice:alice-pass',
      `docker://${reg.host}/other/app:1`,
    ])
    const line = oneLineFailure(r, 'no access')
    assert.match(line, /alice may not pull from other\/app/)
    assert.doesNotMatch(line, /rejected the credentials/)
  })

  it('a rejected --registry-token says so', async () => {
    const r = await run([
      'inspect',
      '--tls-verify=false',
      '--registry-token',
      'not-a-valid-token',
      `docker://${reg.host}/team-a/app:1`,
    ])
    const line = oneLineFailure(r, 'bad token')
    assert.match(line, /rejected the token given with --registry-token/)
  })

  it('library: the error carries who was refused what', async () => {
    const { RegistryError } = await import('../../../src/registry/errors.js')
    const authFile = join(home, 'alice.json')
    writeFileSync(
      authFile,
      JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:alice-pass').toString('base64') } } }),
    )
    let err: unknown
    try {
      await copy(SRC, `docker://${reg.host}/shared/app:3`, {
        destination: { registry: { tlsVerify: false, authFile } },
      })
    } catch (e) {
      err = e
    }
    let cause: unknown = err
    while (cause && !(cause instanceof RegistryError)) cause = (cause as { cause?: unknown }).cause
    assert.ok(cause instanceof RegistryError, `a RegistryError in the chain: ${String(err)}`)
    assert.equal(cause.auth?.given, 'credentials')
    assert.equal(cause.auth?.username, 'alice')
    assert.equal(cause.auth?.repository, 'shared/app')
    assert.equal(cause.auth?.write, true)
    assert.deepEqual(cause.auth?.granted, ['pull'])
  })
})
