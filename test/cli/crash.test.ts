/**
 * No Node stack trace ever reaches a user: bugs print `skiff: internal error: …` (one line, exit 1),
 * with --debug a readable stack (source-mapped into src/ in the bundle); a closed stdout ends quietly
 * as SIGPIPE does (skopeo and coreutils too: status 141); a slow reader gets all of the output.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { withTempDir, requireTool } from '../helpers/tools.js'
import { CLI_ARGS, CLI_SHELL, ROOT } from './run-skiff.js'

const HOOK = join(ROOT, 'test/cli/fixtures/internal-error-hook.mjs')
const ENTRY = CLI_ARGS

function runNode(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** A copy of examples/hello whose index.json carries the hook's marker. */
async function markedLayout(t: string): Promise<string> {
  const l = join(t, 'marked')
  await cp(join(ROOT, 'examples/hello'), l, { recursive: true })
  const index = JSON.parse(await readFile(join(l, 'index.json'), 'utf8'))
  index.manifests[0].annotations.x = 'skiff-test-internal-error'
  await writeFile(join(l, 'index.json'), JSON.stringify(index))
  return l
}

function assertNoTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m)
  assert.doesNotMatch(stderr, /node:internal/)
  assert.doesNotMatch(stderr, /Node\.js v\d/)
}

test('internal errors (in the command, uncaught, unhandled rejection): one line, exit 1; --debug adds the stack', async () => {
  await withTempDir(async (t) => {
    const l = await markedLayout(t)
    const expected: Record<string, string> = {
      throw: "Cannot read properties of undefined (reading 'planted')",
      uncaught: 'planted uncaught exception',
      rejection: 'planted unhandled rejection',
    }
    for (const [fault, message] of Object.entries(expected)) {
      const r = await runNode(['--import', HOOK, ...ENTRY, 'inspect', `oci:${l}:latest`], { SKIFF_TEST_FAULT: fault })
      assert.equal(r.code, 1, `${fault}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, `skiff: internal error: ${message} (run with --debug for details)\n`, fault)
      const d = await runNode(['--import', HOOK, ...ENTRY, '--debug', 'inspect', `oci:${l}:latest`], {
        SKIFF_TEST_FAULT: fault,
      })
      assert.equal(d.code, 1, `${fault}: ${d.stderr}`)
      assert.ok(d.stderr.includes(`skiff: internal error: ${message}\n`), d.stderr)
      assert.match(d.stderr, /\n {4}at /, 'the stack, with --debug')
    }
    // without the planted bug the same command works: the hook is what fails
    const ok = await runNode(['--import', HOOK, ...ENTRY, 'inspect', `oci:${l}:latest`])
    assert.equal(ok.code, 0, ok.stderr)
  })
})

test('the bundle: internal errors are one line; with --debug the stack is readable and points into src/', async () => {
  await withTempDir(async (t) => {
    // inside the repository, so the bundle resolves its external native addon from node_modules
    const out = await mkdtemp(join(ROOT, '.test-bundle-'))
    try {
      const b = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out], { cwd: ROOT, encoding: 'utf8' })
      assert.equal(b.status, 0, b.stderr)
      // not minified onto one line (dependencies hold a few long literals, e.g. undici's wasm)
      const { readdirSync } = await import('node:fs')
      let chars = 0
      let lines = 0
      for (const f of readdirSync(join(out, 'chunks')).filter((n) => n.endsWith('.js'))) {
        const text = await readFile(join(out, 'chunks', f), 'utf8')
        chars += text.length
        lines += text.split('\n').length
      }
      assert.ok(chars / lines < 120, `${lines} lines for ${chars} characters`)
      const l = await markedLayout(t)
      const main = join(out, 'main.js')
      const r = await runNode(['--import', HOOK, main, 'inspect', `oci:${l}:latest`], { SKIFF_TEST_FAULT: 'throw' })
      assert.equal(r.code, 1)
      assert.equal(
        r.stderr,
        "skiff: internal error: Cannot read properties of undefined (reading 'planted') (run with --debug for details)\n",
      )
      const d = await runNode(['--import', HOOK, main, '--debug', 'inspect', `oci:${l}:latest`], {
        SKIFF_TEST_FAULT: 'throw',
      })
      assert.equal(d.code, 1)
      assert.match(d.stderr, /^ {4}at parseIndex \(.*src\/transports\/oci-layout\/layout\.ts:\d+:\d+\)$/m, d.stderr)
      // --version is still answered without loading any command chunk
      const v = await runNode([main, '--version'])
      assert.match(v.stdout, /^skiff version /)
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })
})

/** An OCI layout whose manifest is ~2 MB (a big annotation): `inspect --raw` prints more than a pipe holds. */
async function bigLayout(t: string): Promise<string> {
  const l = join(t, 'big')
  await cp(join(ROOT, 'examples/hello'), l, { recursive: true })
  const index = JSON.parse(await readFile(join(l, 'index.json'), 'utf8'))
  const m = JSON.parse(await readFile(join(l, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'))
  m.annotations = { big: 'x'.repeat(2_000_000) }
  const bytes = Buffer.from(JSON.stringify(m))
  const hex = createHash('sha256').update(bytes).digest('hex')
  await writeFile(join(l, 'blobs/sha256', hex), bytes)
  index.manifests[0] = { ...index.manifests[0], digest: `sha256:${hex}`, size: bytes.length }
  await writeFile(join(l, 'index.json'), JSON.stringify(index))
  return l
}

function bash(script: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

test('stdout closed by its reader (| head -c 1): quiet, status 141 as skopeo; a slow reader gets every byte', async () => {
  requireTool('skopeo')
  await withTempDir(async (t) => {
    const l = await bigLayout(t)
    const skiffCmd = CLI_SHELL
    for (let i = 0; i < 3; i++) {
      const ours = bash(
        `${skiffCmd} inspect --raw oci:${l}:latest 2>${t}/err | head -c 1; echo " \${PIPESTATUS[0]}"; cat ${t}/err`,
      )
      const theirs = bash(
        `skopeo inspect --raw oci:${l}:latest 2>${t}/err | head -c 1; echo " \${PIPESTATUS[0]}"; cat ${t}/err`,
      )
      assert.equal(theirs.stdout, '{ 141\n', 'skopeo: killed by SIGPIPE, no message')
      assert.equal(ours.stdout, theirs.stdout)
      assertNoTrace(ours.stdout + ours.stderr)
    }
    const slow = bash(`${skiffCmd} inspect --raw oci:${l}:latest | (sleep 1; wc -c)`)
    const size = (await readFile(join(l, 'index.json'), 'utf8')).match(/"size":(\d+)/)![1]
    assert.equal(slow.stdout.trim(), size, 'all of the manifest, not the 64 KiB a pipe holds')
  })
})
