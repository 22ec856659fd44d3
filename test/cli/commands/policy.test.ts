/**
 * copy and sync under a real policy file (containers-policy.json(5)), end to end: the engine must
 * ask the policy for every source image. skopeo 1.9.3 run side by side is the oracle for the exit
 * code and the message; skiff deliberately creates nothing at the destination (skopeo leaves an
 * empty destination folder behind).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { requireTool, run, skopeo } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

let reg: Registry
let work: string

before(async () => {
  requireTool('skopeo')
  reg = await startRegistry()
  work = await mkdtemp(join(tmpdir(), 'skiff-policy-cli-'))
  await writeOciImage(join(work, 'src'), 'v1', smallImage('pol'))
  for (const repo of ['ok/app', 'denied/tool']) {
    const r = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      `oci:${join(work, 'src')}:v1`,
      `docker://${reg.host}/${repo}:v1`,
    ])
    assert.equal(r.code, 0, r.stderr)
  }
  await writeFile(join(work, 'reject.json'), JSON.stringify({ default: [{ type: 'reject' }] }))
  await writeFile(
    join(work, 'scoped.json'),
    JSON.stringify({
      default: [{ type: 'insecureAcceptAnything' }],
      transports: { docker: { [`${reg.host}/denied`]: [{ type: 'reject' }] } },
    }),
  )
})

after(async () => {
  await reg?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

/** The `msg="…"` of skopeo's (logrus) fatal line, unescaped. */
function skopeoFatal(stderr: string): string {
  const m = /level=fatal msg=("(?:[^"\\]|\\.)*")/.exec(stderr)
  assert.ok(m, `no fatal line in skopeo's stderr: ${stderr}`)
  return JSON.parse(m[1]!) as string
}

/** Runs the same command line with skopeo and skiff in `cwd` (relative paths, so both name the image the same way). */
async function both(args: string[], cwd: string) {
  const s = await run('skopeo', args, { cwd })
  const k = await skiff(args, { cwd })
  return { s, k }
}

test("--policy with a reject default: copy exits 1 with skopeo's message and creates nothing", async () => {
  const cwd = await mkdtemp(join(work, 'copy-'))
  await writeOciImage(join(cwd, 'src'), 'v1', smallImage('pol'))
  const cases: [string, string, string][] = [
    ['oci:src:v1', 'oci:out-oci:v1', 'out-oci'],
    ['oci:src:v1', 'dir:out-dir', 'out-dir'],
    [`docker://${reg.host}/ok/app:v1`, 'oci:out-reg:v1', 'out-reg'],
  ]
  for (const [src, dest, created] of cases) {
    const { s, k } = await both(
      ['--policy', join(work, 'reject.json'), 'copy', '--src-tls-verify=false', src, dest],
      cwd,
    )
    assert.equal(s.code, 1, s.stderr)
    const msg = skopeoFatal(s.stderr)
    assert.match(msg, /^Source image rejected: Running image .* is rejected by policy\.$/)
    assert.equal(k.code, 1, k.stderr)
    assert.equal(k.stderr, `skiff: ${msg}\n`)
    assert.equal(k.stdout, '')
    // skopeo made the destination folder; skiff must not have written anything
    await rm(join(cwd, created), { recursive: true, force: true })
  }
  // the same source with skiff alone into fresh names: nothing appears at all
  for (const dest of ['oci:fresh-oci:v1', 'dir:fresh-dir']) {
    const k = await skiff(['--policy', join(work, 'reject.json'), 'copy', 'oci:src:v1', dest], { cwd })
    assert.equal(k.code, 1, k.stderr)
  }
  assert.deepEqual((await readdir(cwd)).sort(), ['src'])
})

test('--policy with a reject default: sync exits 1 naming the refused image, and creates nothing', async () => {
  const cwd = await mkdtemp(join(work, 'sync-'))
  const cases: string[][] = [
    ['sync', '--src', 'docker', '--dest', 'dir', '--src-tls-verify=false', `${reg.host}/ok/app`, 'out'],
    [
      'sync',
      '--src',
      'docker',
      '--dest',
      'docker',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `${reg.host}/ok/app`,
      `${reg.host}/mirror`,
    ],
  ]
  for (const args of cases) {
    const { s, k } = await both(['--policy', join(work, 'reject.json'), ...args], cwd)
    assert.equal(s.code, 1, s.stderr)
    const msg = skopeoFatal(s.stderr)
    const why = `Source image rejected: Running image docker://${reg.host}/ok/app:v1 is rejected by policy.`
    assert.equal(msg, `Error copying ref "docker://${reg.host}/ok/app:v1": ${why}`)
    assert.equal(k.code, 1, k.stderr)
    assert.ok(k.stderr.includes(`app:v1: ${why}\n`), k.stderr)
    assert.match(k.stderr, /Summary: 0 copied, 0 skipped, 1 failed/)
    await rm(join(cwd, 'out'), { recursive: true, force: true })
  }
  const k = await skiff(
    [
      '--policy',
      join(work, 'reject.json'),
      'sync',
      '--src',
      'docker',
      '--dest',
      'dir',
      '--src-tls-verify=false',
      `${reg.host}/ok/app`,
      'fresh',
    ],
    { cwd },
  )
  assert.equal(k.code, 1, k.stderr)
  assert.deepEqual(await readdir(cwd), [])
  const mirror = await fetch(`${reg.url}/v2/mirror/app/tags/list`)
  assert.equal(mirror.status, 404, 'nothing was pushed')
})

test('a policy that rejects one registry scope: that scope is refused (as skopeo), others are copied', async () => {
  const cwd = await mkdtemp(join(work, 'scoped-'))
  const policy = join(work, 'scoped.json')
  const denied = await both(
    ['--policy', policy, 'copy', '--src-tls-verify=false', `docker://${reg.host}/denied/tool:v1`, 'dir:denied'],
    cwd,
  )
  assert.equal(denied.s.code, 1, denied.s.stderr)
  assert.equal(
    skopeoFatal(denied.s.stderr),
    `Source image rejected: Running image docker://${reg.host}/denied/tool:v1 is rejected by policy.`,
  )
  assert.equal(denied.k.code, 1, denied.k.stderr)
  assert.equal(denied.k.stderr, `skiff: ${skopeoFatal(denied.s.stderr)}\n`)
  assert.equal(existsSync(join(cwd, 'denied', 'manifest.json')), false)

  const ok = await skiff(
    ['--policy', policy, 'copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/ok/app:v1`, 'dir:ok'],
    { cwd },
  )
  assert.equal(ok.code, 0, ok.stderr)
  const check = await skopeo(['inspect', '--raw', `dir:${join(cwd, 'ok')}`])
  assert.equal(check.code, 0, check.stderr)

  // sync of both repositories with --keep-going: ok/app lands, denied/tool is refused
  const yaml = `${reg.host}:\n  tls-verify: false\n  images:\n    ok/app: [v1]\n    denied/tool: [v1]\n`
  await writeFile(join(cwd, 'sync.yaml'), yaml)
  const sync = await skiff(
    ['--policy', policy, 'sync', '--keep-going', '--src', 'yaml', '--dest', 'dir', 'sync.yaml', 'mirror'],
    { cwd },
  )
  assert.equal(sync.code, 1, sync.stderr)
  assert.ok(
    sync.stderr.includes(
      `Source image rejected: Running image docker://${reg.host}/denied/tool:v1 is rejected by policy.`,
    ),
    sync.stderr,
  )
  assert.match(sync.stderr, /Summary: 1 copied, 0 skipped, 1 failed/)
  assert.deepEqual(await readdir(join(cwd, 'mirror')), ['app:v1'])
  const synced = await skopeo(['inspect', '--raw', `dir:${join(cwd, 'mirror', 'app:v1')}`])
  assert.equal(synced.stdout, check.stdout)
})
