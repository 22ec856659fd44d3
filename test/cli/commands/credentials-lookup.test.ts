/**
 * Where stored credentials are read from, through the CLI against a real htpasswd registry, side by
 * side with skopeo 1.9.3 (containers-auth.json(5), containers-registries.conf(5) credential-helpers):
 * --authfile / $REGISTRY_AUTH_FILE replace the primary file ${XDG_RUNTIME_DIR}/containers/auth.json
 * and the read-only fallbacks still follow; registries.conf credential-helpers are used for reads,
 * "containers-auth.json" meaning the auth files; login / logout write only the file they name.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { requireTool, run } from '../../helpers/tools.js'
import { installHelper } from '../../config/auth/fixtures.js'
import { skiff } from '../run-skiff.js'
import { isolatedEnv } from './registry-env.js'

const good = { auth: Buffer.from('dora:d0ra-secret').toString('base64') }
const bad = { auth: Buffer.from('dora:wrong').toString('base64') }

describe('stored credentials: auth file fallbacks and registries.conf credential-helpers (as skopeo)', () => {
  let reg: Registry
  let home: string
  let env: NodeJS.ProcessEnv
  let insecureConf: string
  let layout: string
  const files = () => ({
    runtime: join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json'),
    config: join(env.XDG_CONFIG_HOME!, 'containers', 'auth.json'),
    docker: join(env.HOME!, '.docker', 'config.json'),
    dockercfg: join(env.HOME!, '.dockercfg'),
    own: join(home, 'own.json'),
  })
  const put = async (path: string, entry: object | undefined, legacy = false) => {
    await mkdir(dirname(path), { recursive: true })
    const map = entry ? { [reg.host]: entry } : {}
    await writeFile(path, JSON.stringify(legacy ? map : { auths: map }))
  }
  const clear = async () => {
    for (const f of Object.values(files())) await rm(f, { force: true })
  }
  /** inspect --no-tags with skiff and skopeo; both exit codes. */
  const both = async (
    args: string[],
    extraEnv: NodeJS.ProcessEnv = {},
    conf = insecureConf,
  ): Promise<[number, number, string]> => {
    const full = ['--registries-conf', conf, 'inspect', '--no-tags', ...args, `docker://${reg.host}/team/app:1`]
    const ours = await skiff(full, { env: { ...env, ...extraEnv } })
    const theirs = await run('skopeo', ['--insecure-policy', ...full], { env: { ...process.env, ...env, ...extraEnv } })
    return [ours.code ?? -1, theirs.code, ours.stderr]
  }

  before(async () => {
    requireTool('skopeo')
    reg = await startRegistry({ htpasswd: { dora: 'd0ra-secret' } })
    home = await mkdtemp(join(tmpdir(), 'skiff-cli-creds-'))
    env = {
      ...(await isolatedEnv(home)).env,
      PATH: `${join(home, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HELPER_STORE: join(home, 'store'),
      HELPER_LOG: join(home, 'helper.log'),
    }
    await mkdir(join(home, 'bin'), { recursive: true })
    await mkdir(join(home, 'store'), { recursive: true })
    insecureConf = join(home, 'insecure.conf')
    await writeFile(insecureConf, `[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n`)
    layout = join(home, 'layout')
    await writeOciImage(layout, 'v1', smallImage('creds'))
    const p = await run('skopeo', [
      '--insecure-policy',
      'copy',
      '-q',
      '--dest-tls-verify=false',
      '--dest-creds',
      'dora:d0ra-secret',
      `oci:${layout}:v1`,
      `docker://${reg.host}/team/app:1`,
    ])
    assert.equal(p.code, 0, p.stderr)
  })
  after(async () => {
    await reg?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })

  it('--authfile lacking the registry falls back to ~/.config/containers/auth.json, ~/.docker/config.json, ~/.dockercfg', async () => {
    const f = files()
    for (const [where, legacy] of [
      [f.config, false],
      [f.docker, false],
      [f.dockercfg, true],
    ] as const) {
      await clear()
      await put(f.own, undefined)
      await put(where, good, legacy)
      assert.deepEqual(await both(['--authfile', f.own]).then((r) => r.slice(0, 2)), [0, 0], `${where}`)
      // $REGISTRY_AUTH_FILE is the same override
      assert.deepEqual(
        await both([], { REGISTRY_AUTH_FILE: f.own }).then((r) => r.slice(0, 2)),
        [0, 0],
        `${where} via REGISTRY_AUTH_FILE`,
      )
    }
    // A missing --authfile is no error for reading: the fallbacks still apply.
    await clear()
    await put(f.config, good)
    assert.deepEqual(await both(['--authfile', f.own]).then((r) => r.slice(0, 2)), [0, 0])
  })

  it('the override replaces ${XDG_RUNTIME_DIR}/containers/auth.json, and the first file with an entry decides', async () => {
    const f = files()
    await clear()
    await put(f.own, undefined)
    await put(f.runtime, good)
    const [ours, theirs, stderr] = await both(['--authfile', f.own])
    assert.equal(theirs, 1, 'skopeo does not read the runtime file when --authfile is given')
    assert.equal(ours, 1)
    assert.match(stderr, /authentication required|unauthorized/i)
    // wrong credentials in the --authfile win over right ones in a fallback
    await clear()
    await put(f.own, bad)
    await put(f.config, good)
    assert.deepEqual(await both(['--authfile', f.own]).then((r) => r.slice(0, 2)), [1, 1])
    // without an override: the runtime file first
    await clear()
    await put(f.runtime, bad)
    await put(f.config, good)
    assert.deepEqual(await both([]).then((r) => r.slice(0, 2)), [1, 1])
    await rm(f.runtime)
    assert.deepEqual(await both([]).then((r) => r.slice(0, 2)), [0, 0])
  })

  it('login --authfile and logout --authfile write only that file', async () => {
    const f = files()
    await clear()
    await put(f.config, good)
    const before = await readFile(f.config, 'utf8')
    const login = await skiff(
      ['--registries-conf', insecureConf, 'login', '--authfile', f.own, '-u', 'dora', '-p', 'd0ra-secret', reg.host],
      { env },
    )
    assert.equal(login.code, 0, login.stderr)
    assert.equal(JSON.parse(await readFile(f.own, 'utf8')).auths[reg.host].auth, good.auth)
    await assert.rejects(readFile(f.runtime), { code: 'ENOENT' })
    const logout = await skiff(['--registries-conf', insecureConf, 'logout', '--authfile', f.own, reg.host], { env })
    assert.equal(logout.code, 0, logout.stderr)
    assert.deepEqual(JSON.parse(await readFile(f.own, 'utf8')).auths, {})
    assert.equal(await readFile(f.config, 'utf8'), before, 'the fallback file is read-only')
  })

  it('registries.conf credential-helpers are used for pulls and pushes; "containers-auth.json" is the auth files, in list order', async () => {
    await installHelper(home, 'skiffcred')
    const f = files()
    await clear()
    const helperOnly = join(home, 'helper.conf')
    await writeFile(
      helperOnly,
      `credential-helpers = ["skiffcred"]\n[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n`,
    )
    // skopeo login stores in the helper (the oracle writes, skiff reads)
    const stored = await run(
      'skopeo',
      ['--registries-conf', helperOnly, 'login', '-u', 'dora', '-p', 'd0ra-secret', reg.host],
      { env: { ...process.env, ...env } },
    )
    assert.equal(stored.code, 0, stored.stderr)
    await rm(env.HELPER_LOG!, { force: true })
    assert.deepEqual(await both([], {}, helperOnly).then((r) => r.slice(0, 2)), [0, 0])
    assert.match(await readFile(env.HELPER_LOG!, 'utf8'), new RegExp(`^get ${reg.host.replace(/\./g, '\\.')}$`, 'm'))
    // only the helper is consulted: a wrong --authfile does not matter
    await put(f.own, bad)
    assert.deepEqual(await both(['--authfile', f.own], {}, helperOnly).then((r) => r.slice(0, 2)), [0, 0])
    // a push with the helper's credentials
    const push = await skiff(
      ['--registries-conf', helperOnly, 'copy', '-q', `oci:${layout}:v1`, `docker://${reg.host}/team/app:helper`],
      { env },
    )
    assert.equal(push.code, 0, push.stderr)
    // ["containers-auth.json", helper]: the auth files first — a wrong entry there decides; none → the helper
    const ordered = join(home, 'ordered.conf')
    await writeFile(
      ordered,
      `credential-helpers = ["containers-auth.json", "skiffcred"]\n[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n`,
    )
    await put(f.runtime, bad)
    assert.deepEqual(await both([], {}, ordered).then((r) => r.slice(0, 2)), [1, 1])
    await rm(f.runtime)
    assert.deepEqual(await both([], {}, ordered).then((r) => r.slice(0, 2)), [0, 0])
    // without credential-helpers: the helper is not used at all
    assert.deepEqual(await both([]).then((r) => r.slice(0, 2)), [1, 1])
  })
})
