/**
 * The single executable (`npm run build:exe`, scripts/build-exe.mjs) on real transports: it is
 * copied into an empty folder and run with an empty PATH and HOME, so it can reach no `node`, no
 * node_modules and no config of this machine. Its output is compared with the CLI's
 * (test/cli/run-skiff.ts) and with skopeo's.
 *
 * Building it takes ~15 s of CPU and a 50 MB download, so the test does not: without the
 * executable it skips, naming the command. `.ci/run` builds it first and sets
 * SKIFF_EXE_REQUIRED=1, so there a missing executable fails instead of skipping.
 * arm64: run under qemu-aarch64-static with Debian's arm64 libraries when both are installed.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../helpers/registry/index.js'
import { hasTool, skopeo } from '../helpers/tools.js'
import { ROOT, skiff } from '../cli/run-skiff.js'

const built = (arch: string): string => join(ROOT, 'dist', 'exe', `skiff-linux-${arch}`)
const x64 = process.env['SKIFF_EXE'] ?? built('x64')
const required = process.env['SKIFF_EXE_REQUIRED'] === '1'
const missing = existsSync(x64) ? false : `${x64} is not built: run "npm run build:exe"`
if (missing && required) throw new Error(`SKIFF_EXE_REQUIRED=1 but ${missing}`)
const HELLO = join(ROOT, 'examples', 'hello')

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

describe('single executable', { skip: missing }, () => {
  let dir: string
  let exe: string
  let env: NodeJS.ProcessEnv
  let reg: Registry
  const creds = 'smoke:exe-pass'

  /** Runs the executable with nothing of this machine's around it. */
  const run = (args: string[], cmd = exe, pre: string[] = []): Promise<Result> =>
    new Promise((resolve, reject) => {
      const child = spawn(cmd, [...pre, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout, stderr }))
    })
  const ok = async (args: string[]): Promise<string> => {
    const r = await run(args)
    assert.equal(r.code, 0, `skiff ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-exe-'))
    await mkdir(join(dir, 'home'))
    await mkdir(join(dir, 'empty-path'))
    exe = join(dir, 'skiff')
    await copyFile(x64, exe)
    env = { PATH: join(dir, 'empty-path'), HOME: join(dir, 'home'), XDG_RUNTIME_DIR: join(dir, 'home') }
    reg = await startRegistry({ htpasswd: { smoke: 'exe-pass' } })
    const push = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      `--dest-creds=${creds}`,
      `oci:${HELLO}:latest`,
      `docker://${reg.host}/src/hello:1`,
    ])
    assert.equal(push.code, 0, push.stderr)
  })
  after(async () => {
    await reg?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('--version: the CLI line, with no node on PATH', async () => {
    const cli = await skiff(['--version'])
    assert.equal(await ok(['--version']), cli.stdout)
    assert.equal((await run(['--version'], '/bin/sh', ['-c', 'command -v node; exit 0'])).stdout, '')
  })

  it('copy oci→dir: skopeo reads the result, same manifest digest', async () => {
    await ok(['--insecure-policy', 'copy', '-q', `oci:${HELLO}:latest`, 'dir:d'])
    const ours = await skopeo(['inspect', `dir:${join(dir, 'd')}`])
    const theirs = await skopeo(['inspect', `oci:${HELLO}:latest`])
    assert.equal(ours.code, 0, ours.stderr)
    assert.equal(JSON.parse(ours.stdout).Digest, JSON.parse(theirs.stdout).Digest)
  })

  it('docker-archive→oci with zstd layers (node:zlib, no addon) and back', async () => {
    await ok(['--insecure-policy', 'copy', '-q', '--format', 'v2s2', `oci:${HELLO}:latest`, 'docker-archive:a.tar:h:1'])
    await ok(['--insecure-policy', 'copy', '-q', '--dest-compress-format', 'zstd', 'docker-archive:a.tar', 'oci:o:z'])
    const m = JSON.parse(await ok(['--insecure-policy', 'inspect', '--raw', 'oci:o:z']))
    assert.ok(m.layers.length > 0)
    for (const l of m.layers) assert.equal(l.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd')
    assert.equal((await skopeo(['inspect', `oci:${join(dir, 'o')}:z`])).code, 0)
    // docker-archive holds uncompressed layers: the zstd ones are decompressed on the way
    await ok(['--insecure-policy', 'copy', '-q', 'oci:o:z', 'docker-archive:b.tar:h:2'])
    const back = await skopeo(['inspect', `docker-archive:${join(dir, 'b.tar')}`])
    assert.equal(back.code, 0, back.stderr)
  })

  it('knows its own pid: writes to /proc/PID/fd/1 through its descriptor (nothing frozen by the start-up snapshot)', async () => {
    // stdout is a socket pair: opening /proc/PID/fd/1 again fails, so only the descriptor path works
    const sh = `exec "$0" --insecure-policy copy -q oci:${HELLO}:latest docker-archive:/proc/$$/fd/1:h:1`
    const r = await run([exe], '/bin/sh', ['-c', sh])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stdout.includes('manifest.json'), 'a docker-archive on stdout')
  })

  it('registry→registry with credentials; wrong ones fail in one line', async () => {
    const tls = ['--src-tls-verify=false', '--dest-tls-verify=false']
    await ok([
      '--insecure-policy',
      'copy',
      '-q',
      ...tls,
      `--src-creds=${creds}`,
      `--dest-creds=${creds}`,
      `docker://${reg.host}/src/hello:1`,
      `docker://${reg.host}/dst/hello:1`,
    ])
    const a = await skopeo(['inspect', '--tls-verify=false', `--creds=${creds}`, `docker://${reg.host}/src/hello:1`])
    const b = await skopeo(['inspect', '--tls-verify=false', `--creds=${creds}`, `docker://${reg.host}/dst/hello:1`])
    assert.equal(JSON.parse(b.stdout).Digest, JSON.parse(a.stdout).Digest)
    const bad = await run([
      '--insecure-policy',
      'copy',
      '-q',
      ...tls,
      '--src-creds=smoke:wrong',
      `--dest-creds=${creds}`,
      `docker://${reg.host}/src/hello:1`,
      `docker://${reg.host}/dst/hello:2`,
    ])
    assert.notEqual(bad.code, 0)
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr)
    assert.match(bad.stderr, /unauthorized|authentication required|invalid username\/password/i)
    assert.doesNotMatch(bad.stderr, /\n\s+at /)
  })

  it('inspect of a registry image prints what the CLI prints', async () => {
    const args = ['inspect', '--tls-verify=false', `--creds=${creds}`, `docker://${reg.host}/src/hello:1`]
    const cli = await skiff(args, { env: { HOME: join(dir, 'home') } })
    assert.equal(cli.code, 0, cli.stderr)
    assert.equal(await ok(args), cli.stdout)
  })

  it('sync of an image list, with a report', async () => {
    await writeFile(join(dir, 'images.list'), 'src/hello:1\n')
    await ok([
      '--insecure-policy',
      'sync',
      '--src',
      'list',
      '--dest',
      'dir',
      '--src-registry',
      reg.host,
      '--src-tls-verify=false',
      `--src-creds=${creds}`,
      '--report',
      'r.json',
      '--progress',
      'none',
      'images.list',
      'mirror',
    ])
    const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'))
    assert.equal(report.summary.copied, 1)
    const s = await skopeo(['inspect', `dir:${join(dir, 'mirror', 'src', 'hello:1')}`])
    assert.equal(s.code, 0, s.stderr)
  })

  it('completion bash: the CLI script', async () => {
    const cli = await skiff(['completion', 'bash'])
    const ours = await ok(['completion', 'bash'])
    assert.ok(ours.includes('complete '))
    assert.equal(ours, cli.stdout)
  })

  const arm64 = built('arm64')
  const qemu = hasTool('qemu-aarch64-static') && existsSync('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1')
  const armSkip = !existsSync(arm64)
    ? `${arm64} is not built`
    : !qemu
      ? 'arm64 needs qemu-aarch64-static and arm64 libraries: apt-get install -y qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross'
      : false
  it('arm64 (under qemu): --version and a local inspect as on x64', { skip: armSkip }, async () => {
    const pre = ['-L', '/usr/aarch64-linux-gnu', arm64]
    const v = await run(['--version'], '/usr/bin/qemu-aarch64-static', pre)
    assert.equal(v.stdout, await ok(['--version']))
    const args = ['--insecure-policy', 'inspect', `oci:${HELLO}:latest`]
    const i = await run(args, '/usr/bin/qemu-aarch64-static', pre)
    assert.equal(i.code, 0, i.stderr)
    assert.equal(i.stdout, await ok(args))
  })
})
