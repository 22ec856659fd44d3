import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { run, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'
import { isolatedEnv } from './registry-env.js'

const PASSWORD = 'pa55-Wörd-7f3c'

describe('login / logout against an htpasswd registry', () => {
  let reg: Registry
  before(async () => {
    reg = await startRegistry({ htpasswd: { alice: PASSWORD } })
  })
  after(async () => {
    await reg?.close()
  })
  const skopeoIn = (env: NodeJS.ProcessEnv, args: string[], input?: string) =>
    run('skopeo', args, { env: { ...process.env, ...env }, ...(input !== undefined ? { input } : {}) })

  it('checks the password before writing; writes 0600; skopeo reads it; logout removes it', async () => {
    await withTempDir(async (dir) => {
      const { env, authFile } = await isolatedEnv(dir)
      const other = { auths: { 'other.example': { auth: Buffer.from('bob:x').toString('base64') } } }
      await mkdir(dirname(authFile), { recursive: true })
      await writeFile(authFile, JSON.stringify(other))
      const before = await readFile(authFile, 'utf8')

      const bad = await skiff(['login', '--tls-verify=false', '-u', 'alice', '-p', 'wrong', reg.host], { env })
      assert.equal(bad.code, 1)
      assert.equal(bad.stdout, '')
      assert.equal(bad.stderr, `skiff: logging into "${reg.host}": invalid username/password\n`)
      assert.equal(await readFile(authFile, 'utf8'), before, 'a failed login changes nothing')

      const ok = await skiff(['login', '--tls-verify=false', '-v', '-u', 'alice', '-p', PASSWORD, reg.host], { env })
      assert.equal(ok.code, 0, ok.stderr)
      assert.equal(ok.stdout, `Used:  ${authFile}\nLogin Succeeded!\n`)
      assert.equal((await stat(authFile)).mode & 0o777, 0o600)
      const written = JSON.parse(await readFile(authFile, 'utf8'))
      assert.equal(written.auths['other.example'].auth, other.auths['other.example'].auth)
      assert.equal(Buffer.from(written.auths[reg.host].auth, 'base64').toString(), `alice:${PASSWORD}`)

      // skopeo reads what skiff wrote, and both print the same for an existing login
      const theirs = await skopeoIn(env, ['login', '--get-login', reg.host])
      assert.equal(theirs.code, 0, theirs.stderr)
      assert.equal(theirs.stdout, 'alice\n')
      const ours = await skiff(['login', '--get-login', reg.host], { env })
      assert.equal(ours.stdout, 'alice\n')
      const again = await skiff(['login', '--tls-verify=false', reg.host], { env })
      const againSkopeo = await skopeoIn(env, ['login', '--tls-verify=false', reg.host])
      assert.equal(again.code, 0, again.stderr)
      assert.equal(again.stdout, againSkopeo.stdout)

      // the stored credentials are used by copy
      const layout = join(dir, 'l')
      await writeOciImage(layout, 'v1', smallImage('login'))
      const cp = await skiff(
        ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/login/app:1`],
        { env },
      )
      assert.equal(cp.code, 0, cp.stderr)

      const out = await skiff(['logout', reg.host], { env })
      assert.equal(out.code, 0, out.stderr)
      assert.equal(out.stdout, `Removed login credentials for ${reg.host}\n`)
      const left = JSON.parse(await readFile(authFile, 'utf8'))
      assert.deepEqual(Object.keys(left.auths), ['other.example'])
      const twice = await skiff(['logout', reg.host], { env })
      assert.equal(twice.code, 1)
      assert.equal(twice.stderr, `skiff: not logged into ${reg.host}\n`)
      const twiceSkopeo = await skopeoIn(env, ['logout', reg.host])
      assert.match(twiceSkopeo.stderr, new RegExp(`not logged into ${reg.host}`))
      const noLogin = await skiff(['login', '--get-login', reg.host], { env })
      assert.equal(noLogin.code, 1)
      assert.equal(noLogin.stderr, `skiff: not logged into ${reg.host}\n`)

      const all = await skiff(['logout', '--all'], { env })
      assert.equal(all.stdout, 'Removed login credentials for all registries\n')
      assert.deepEqual(JSON.parse(await readFile(authFile, 'utf8')).auths, {})
    })
  })

  it('reads and removes what skopeo login wrote (registry and repository keys, --authfile)', async () => {
    await withTempDir(async (dir) => {
      const { env } = await isolatedEnv(dir)
      const authFile = join(dir, 'my-auth.json')
      for (const key of [reg.host, `${reg.host}/ns/repo`]) {
        const l = await skopeoIn(env, [
          'login',
          '--tls-verify=false',
          '--authfile',
          authFile,
          '-u',
          'alice',
          '-p',
          PASSWORD,
          key,
        ])
        assert.equal(l.code, 0, l.stderr)
      }
      const skopeoFile = await readFile(authFile, 'utf8')
      const g = await skiff(['login', '--get-login', '--authfile', authFile, `${reg.host}/ns/repo`], { env })
      assert.equal(g.stdout, 'alice\n')
      // logging in again with skiff writes what skopeo wrote
      await skiff(['logout', '--authfile', authFile, '--all'], { env })
      for (const key of [reg.host, `${reg.host}/ns/repo`]) {
        const l = await skiff(
          ['login', '--tls-verify=false', '--authfile', authFile, '-u', 'alice', '-p', PASSWORD, key],
          { env },
        )
        assert.equal(l.stdout, 'Login Succeeded!\n', l.stderr)
      }
      assert.deepEqual(JSON.parse(await readFile(authFile, 'utf8')), JSON.parse(skopeoFile))
      const o = await skiff(['logout', '--authfile', authFile, `${reg.host}/ns/repo`], { env })
      assert.equal(o.stdout, `Removed login credentials for ${reg.host}/ns/repo\n`)
      const s = await skopeoIn(env, ['login', '--get-login', '--authfile', authFile, reg.host])
      assert.equal(s.stdout, 'alice\n')
      // REGISTRY_AUTH_FILE is the default --authfile
      const viaEnv = await skiff(['login', '--get-login', reg.host], { env: { ...env, REGISTRY_AUTH_FILE: authFile } })
      assert.equal(viaEnv.stdout, 'alice\n')
    })
  })

  it('--password-stdin, argument errors, and no prompt without a terminal', async () => {
    await withTempDir(async (dir) => {
      const { env, authFile } = await isolatedEnv(dir)
      const stdin = await skiff(['login', '--tls-verify=false', '-u', 'alice', '--password-stdin', reg.host], {
        env,
        input: `${PASSWORD}\n`,
      })
      assert.equal(stdin.code, 0, stdin.stderr)
      assert.equal(stdin.stdout, 'Login Succeeded!\n')
      await skiff(['logout', '--all'], { env })

      const cases: [string[], string][] = [
        [['login', '--password-stdin', reg.host], 'skiff: Must provide --username with --password-stdin\n'],
        [
          ['login', '-u', 'alice', '-p', 'x', '--password-stdin', reg.host],
          "skiff: Can't specify both --password-stdin and --password\n",
        ],
        [['login', '-u', 'alice', '-p', 'x'], 'skiff: please provide a registry to login to\n'],
        [
          ['login', '-u', 'alice', '-p', 'x', 'a.example', 'b.example'],
          'skiff: login accepts only one registry to login to\n',
        ],
        [['logout'], 'skiff: please provide a registry to logout from\n'],
        [['logout', '--all', reg.host], 'skiff: --all takes no arguments\n'],
      ]
      for (const [args, msg] of cases) {
        const r = await skiff(args, { env })
        assert.equal(r.code, 1, args.join(' '))
        assert.equal(r.stderr, msg)
      }
      const missing = join(dir, 'nope.json')
      const nf = await skiff(['logout', '--authfile', missing, reg.host], { env })
      const nfSkopeo = await skopeoIn(env, ['logout', '--authfile', missing, reg.host])
      assert.equal(nf.code, 1)
      assert.ok(
        nfSkopeo.stderr.includes(nf.stderr.replace(/^skiff: /, '').trim()),
        `${nf.stderr} vs ${nfSkopeo.stderr}`,
      )

      const noTty = await skiff(['login', '--tls-verify=false', '-u', 'alice', reg.host], { env })
      assert.equal(noTty.code, 1)
      assert.match(noTty.stderr, /standard input is not a terminal/)
      const noUser = await skiff(['login', '--tls-verify=false', reg.host], { env })
      assert.equal(noUser.code, 1)
      assert.match(noUser.stderr, /cannot prompt for a username: standard input is not a terminal/)
      assert.deepEqual(JSON.parse(await readFile(authFile, 'utf8')).auths, {}, 'nothing was written')
    })
  })

  it('--debug shows the registry requests but never the password', async () => {
    await withTempDir(async (dir) => {
      const { env } = await isolatedEnv(dir)
      const layout = join(dir, 'l')
      await writeOciImage(layout, 'v1', smallImage('debug-basic'))
      const basic = Buffer.from(`alice:${PASSWORD}`).toString('base64')
      const runs = [
        await skiff(['--debug', 'login', '--tls-verify=false', '-u', 'alice', '-p', PASSWORD, reg.host], { env }),
        await skiff(
          [
            '--debug',
            'copy',
            '-q',
            '--dest-tls-verify=false',
            '--dest-creds',
            `alice:${PASSWORD}`,
            `oci:${layout}:v1`,
            `docker://${reg.host}/debug/app:1`,
          ],
          { env },
        ),
        await skiff(
          [
            '--debug',
            'inspect',
            '--tls-verify=false',
            '--username',
            'alice',
            '--password',
            PASSWORD,
            `docker://${reg.host}/debug/app:1`,
          ],
          { env },
        ),
        await skiff(['--debug', 'login', '--tls-verify=false', '-u', 'alice', '-p', `${PASSWORD}-wrong`, reg.host], {
          env,
        }),
      ]
      for (const r of runs.slice(0, 3)) assert.equal(r.code, 0, r.stderr)
      assert.equal(runs[3]!.code, 1)
      for (const r of runs) {
        assert.match(r.stderr, /skiff: debug: registry: > GET http:\/\/127\.0\.0\.1:\d+\/v2\//)
        assert.ok(!r.stderr.includes(PASSWORD), 'no password on stderr')
        assert.ok(!r.stderr.includes(basic), 'no Basic credentials on stderr')
      }
      assert.match(runs[2]!.stderr, /"authorization":"Basic <redacted>"/)
    })
  })
})
