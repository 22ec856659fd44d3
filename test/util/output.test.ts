/**
 * Outputs the user names (docker-archive:, oci-archive:, --digestfile) when they are /dev/stdout-like
 * (a symlink of the test's own to /proc/self/fd/1 — never the machine's /dev/stdout), a pipe, a
 * symlink to a regular file, a full disk or a too-long name. Real skiff processes, skopeo reads
 * what they wrote.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { writeOciImage } from '../helpers/fixtures.js'
import { run, skopeo, withTempDir } from '../helpers/tools.js'
import { CLI_ARGS, ROOT, skiff } from '../cli/run-skiff.js'

const SKIFF = [process.execPath, ...CLI_ARGS]
const isRoot = process.getuid?.() === 0

/** A small image in an oci: layout; `big` adds an uncompressed layer of random bytes (MiB). */
async function source(dir: string, bigMiB = 0): Promise<string> {
  const layout = join(dir, 'src')
  const layers = [{ files: { 'hello.txt': 'hello\n' } }]
  if (bigMiB > 0) layers.push({ files: { 'random.bin': randomBytes(bigMiB << 20) }, compression: 'none' } as never)
  await writeOciImage(layout, 'v1', { layers })
  return `oci:${layout}:v1`
}

/** Runs skiff with its stdout on the file descriptor `fd`. */
function skiffToFd(args: string[], fd: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SKIFF[0]!, [...SKIFF.slice(1), ...args], { cwd: ROOT, stdio: ['ignore', fd, 'pipe'] })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

/** Names in `dir` that look like temp files. */
async function temps(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /\.tmp$|\.old$|^skiff-/.test(n))
}

async function assertStdoutLink(link: string): Promise<void> {
  assert.ok((await lstat(link)).isSymbolicLink(), `${link} is still a symlink`)
  assert.equal(await readlink(link), '/proc/self/fd/1')
}

for (const transport of ['docker-archive', 'oci-archive'] as const) {
  test(`${transport}: a symlink to /proc/self/fd/1 with stdout redirected to a file is written in place`, async () => {
    await withTempDir(async (d) => {
      const src = await source(d)
      const link = join(d, 'stdout')
      await symlink('/proc/self/fd/1', link)
      const out = join(d, 'out.tar')
      const fd = openSync(out, 'w')
      let r
      try {
        r = await skiffToFd(['--insecure-policy', 'copy', '-q', src, `${transport}:${link}`], fd)
      } finally {
        closeSync(fd)
      }
      assert.equal(r.code, 0, r.stderr)
      await assertStdoutLink(link)
      const i = await skopeo(['inspect', `${transport}:${out}`])
      assert.equal(i.code, 0, i.stderr)
      assert.equal(JSON.parse(i.stdout).Layers.length, 1)
      assert.deepEqual(await temps(d), [])
    })
  })

  test(`${transport}: a symlink to /proc/self/fd/1 with stdout a pipe (a socket, and a shell pipe) streams the archive`, async () => {
    await withTempDir(async (d) => {
      const src = await source(d)
      const link = join(d, 'stdout')
      await symlink('/proc/self/fd/1', link)
      // Node's 'pipe' stdio is a socketpair: it cannot be opened by path, only written through the descriptor.
      const r = await new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
        const child = spawn(
          SKIFF[0]!,
          [...SKIFF.slice(1), '--insecure-policy', 'copy', '-q', src, `${transport}:${link}`],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
        )
        const chunks: Buffer[] = []
        let stderr = ''
        child.stdout!.on('data', (c: Buffer) => chunks.push(c))
        child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks), stderr }))
      })
      assert.equal(r.code, 0, r.stderr)
      await writeFile(join(d, 'socket.tar'), r.stdout)
      // A real pipe (FIFO semantics), as `skiff … | cat > file` gives.
      const sh = await run(
        'sh',
        [
          '-c',
          `"$@" | cat > ${join(d, 'pipe.tar')}`,
          'sh',
          ...SKIFF,
          '--insecure-policy',
          'copy',
          '-q',
          src,
          `${transport}:${link}`,
        ],
        { cwd: ROOT },
      )
      assert.equal(sh.code, 0, sh.stderr)
      await assertStdoutLink(link)
      for (const f of ['socket.tar', 'pipe.tar']) {
        const i = await skopeo(['inspect', `${transport}:${join(d, f)}`])
        assert.equal(i.code, 0, `${f}: ${i.stderr}`)
      }
      assert.deepEqual(await temps(d), [])
    })
  })
}

test('a symlink to a regular file stays a symlink: the temp file goes beside the real file, which gets the archive', async () => {
  await withTempDir(async (d) => {
    const src = await source(d)
    await mkdir(join(d, 'real'))
    await mkdir(join(d, 'links'))
    for (const transport of ['docker-archive', 'oci-archive']) {
      const target = join(d, 'real', `${transport}.tar`)
      const link = join(d, 'links', `${transport}.tar`)
      await symlink(target, link) // dangling first: the target is created
      for (let i = 0; i < 2; i++) {
        const r = await skiff(['--insecure-policy', 'copy', '-q', src, `${transport}:${link}`])
        assert.equal(r.code, 0, r.stderr)
        assert.ok((await lstat(link)).isSymbolicLink(), `${link} is still a symlink`)
        assert.ok((await lstat(target)).isFile())
        const inspected = await skopeo(['inspect', `${transport}:${target}`])
        assert.equal(inspected.code, 0, inspected.stderr)
      }
    }
    // --digestfile through a symlink, and through the stdout symlink with stdout a file
    const dlink = join(d, 'links', 'digest')
    await symlink(join(d, 'real', 'digest'), dlink)
    const r = await skiff(['--insecure-policy', 'copy', '-q', '--digestfile', dlink, src, `oci:${d}/copy:x`])
    assert.equal(r.code, 0, r.stderr)
    assert.ok((await lstat(dlink)).isSymbolicLink())
    const digest = await readFile(join(d, 'real', 'digest'), 'utf8')
    assert.match(digest, /^sha256:[0-9a-f]{64}$/)
    const stdoutLink = join(d, 'stdout')
    await symlink('/proc/self/fd/1', stdoutLink)
    const fd = openSync(join(d, 'digest-out'), 'w')
    try {
      const r2 = await skiffToFd(
        ['--insecure-policy', 'copy', '-q', '--digestfile', stdoutLink, src, `oci:${d}/copy:y`],
        fd,
      )
      assert.equal(r2.code, 0, r2.stderr)
    } finally {
      closeSync(fd)
    }
    assert.equal(await readFile(join(d, 'digest-out'), 'utf8'), digest)
    await assertStdoutLink(stdoutLink)
    for (const sub of ['real', 'links', ''])
      assert.deepEqual(await temps(join(d, sub)), [], `no temp files in ${sub || '.'}`)
  })
})

/** No Node stack trace, no unhandled 'error' event: at most one line. */
function assertNoTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, stderr)
  assert.doesNotMatch(stderr, /Emitted 'error' event|node:internal|triggerUncaughtException/, stderr)
  assert.ok(stderr.trim().split('\n').length <= 1, stderr)
}

for (const transport of ['docker-archive', 'oci-archive'] as const) {
  test(`${transport}: a reader that closes the pipe early (EPIPE) ends the copy without a stack trace or temp files`, async () => {
    await withTempDir(async (d) => {
      const src = await source(d, 4)
      const link = join(d, 'stdout')
      await symlink('/proc/self/fd/1', link)
      const tmp = join(d, 'tmp')
      await mkdir(tmp)
      const args = ['--insecure-policy', '--tmpdir', tmp, 'copy', '-q', src, `${transport}:${link}`]
      // The reader takes 100 bytes and closes its end (a socketpair here)…
      const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; got: number }>(
        (resolve, reject) => {
          const child = spawn(SKIFF[0]!, [...SKIFF.slice(1), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
          let stderr = ''
          let got = 0
          child.stdout!.on('data', (c: Buffer) => {
            got += c.length
            if (got >= 100) child.stdout!.destroy()
          })
          child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
          child.on('error', reject)
          child.on('close', (code, signal) => resolve({ code, signal, stderr, got }))
        },
      )
      assert.ok(r.got >= 100)
      assertNoTrace(r.stderr)
      // the copy finished before the reader left, or it ended as Unix tools do: by SIGPIPE, no message
      assert.ok(r.code === 0 || r.signal === 'SIGPIPE', `code ${r.code}, signal ${r.signal}: ${r.stderr}`)
      if (r.signal === 'SIGPIPE') assert.equal(r.stderr, '')
      // …and as `| head -c 100` in a shell (a real pipe).
      const sh = await run(
        'bash',
        [
          '-c',
          `"$@" | head -c 100 > ${join(d, 'head.out')}; echo "rc=\${PIPESTATUS[0]}" >&2`,
          'bash',
          ...SKIFF,
          ...args,
        ],
        { cwd: ROOT },
      )
      const rc = /rc=(\d+)/.exec(sh.stderr)
      assert.ok(rc, sh.stderr)
      assert.ok(rc[1] === '0' || rc[1] === '141', `status ${rc[1]} (0, or 141 for SIGPIPE): ${sh.stderr}`)
      assertNoTrace(sh.stderr.replace(/rc=\d+\n?/, ''))
      assert.equal((await readFile(join(d, 'head.out'))).length, 100)
      await assertStdoutLink(link)
      assert.deepEqual(await temps(d), [])
      assert.deepEqual(await readdir(tmp), [])
    })
  })
}

test('a file name longer than the file system allows: one line naming the path and the image, nothing written', async () => {
  await withTempDir(async (d) => {
    const src = await source(d)
    for (const dest of [
      `docker-archive:${d}/${'x'.repeat(300)}.tar`,
      `oci-archive:${d}/${'y'.repeat(300)}.tar`,
      `dir:${d}/${'z'.repeat(300)}`,
      `oci:${d}/${'o'.repeat(300)}:t`,
    ]) {
      const r = await skiff(['--insecure-policy', 'copy', '-q', src, dest])
      assert.equal(r.code, 1, dest)
      assertNoTrace(r.stderr)
      assert.match(r.stderr, /file name too long/, dest)
      assert.ok(r.stderr.includes(src), `names the image: ${r.stderr}`)
      assert.ok(
        r.stderr.includes('x'.repeat(300)) ||
          r.stderr.includes('y'.repeat(300)) ||
          r.stderr.includes('z'.repeat(300)) ||
          r.stderr.includes('o'.repeat(300)),
        'names the path',
      )
    }
    assert.deepEqual((await readdir(d)).sort(), ['src'])
  })
})

test(
  'a full disk (a 2 MiB tmpfs) while writing: one line naming the path and the image, nothing left behind',
  { skip: !isRoot && 'needs root to mount a tmpfs' },
  async () => {
    await withTempDir(async (d) => {
      const src = await source(d, 4)
      const small = join(d, 'small')
      await mkdir(small)
      const m = await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small])
      assert.equal(m.code, 0, m.stderr)
      try {
        for (const dest of [
          `docker-archive:${small}/a.tar`,
          `oci-archive:${small}/b.tar`,
          `dir:${small}/d`,
          `oci:${small}/o:t`,
        ]) {
          const r = await skiff(['--insecure-policy', '--tmpdir', small, 'copy', '-q', src, dest])
          assert.equal(r.code, 1, `${dest}: ${r.stderr}`)
          assertNoTrace(r.stderr)
          assert.match(r.stderr, /no space left on device/, dest)
          assert.ok(r.stderr.includes(src), `names the image: ${r.stderr}`)
          assert.ok(r.stderr.includes(small), `names the path: ${r.stderr}`)
          assert.deepEqual(await readdir(small), [], `${dest}: nothing left behind`)
        }
        // Spooling a layer (decompressed on the way, size unknown) into a full --tmpdir.
        const gz = join(d, 'gz')
        await writeOciImage(gz, 'v1', { layers: [{ files: { 'random.bin': randomBytes(4 << 20) } }] })
        const big = join(d, 'big')
        await mkdir(big)
        const r = await skiff([
          '--insecure-policy',
          '--tmpdir',
          small,
          'copy',
          '-q',
          `oci:${gz}:v1`,
          `docker-archive:${big}/x.tar`,
        ])
        assert.equal(r.code, 1, r.stderr)
        assertNoTrace(r.stderr)
        assert.match(r.stderr, new RegExp(`no space left on device writing a temp file in ${small}`))
        assert.deepEqual(await readdir(small), [])
        assert.deepEqual(await readdir(big), [])
      } finally {
        await run('umount', [small])
      }
    })
  },
)
