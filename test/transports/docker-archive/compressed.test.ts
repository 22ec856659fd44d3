/**
 * docker-archive sources compressed as a whole (`docker save IMG | xz > img.tar.xz`, bzip2, gzip)
 * and archives whose layer files are xz/bzip2 compressed, side by side with skopeo 1.9.3: the same
 * list-tags, inspect and copied blobs; corrupt input refused clearly, leaving nothing behind.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { CLI_ARGS, ROOT, skiff } from '../../cli/run-skiff.js'
import { startDockerd } from '../../helpers/dockerd.js'
import { requireTool, run, skopeo, withTempDir } from '../../helpers/tools.js'

const EXAMPLE = `oci:${join(ROOT, 'examples/hello')}:latest`

/** A real docker-archive, written by skopeo from the example image. */
async function skopeoArchive(dir: string): Promise<string> {
  const path = join(dir, 'img.tar')
  const r = await skopeo(['copy', '-q', EXAMPLE, `docker-archive:${path}:example.com/hello:1`])
  assert.equal(r.code, 0, r.stderr)
  return path
}

async function compress(path: string, tool: 'xz' | 'bzip2' | 'gzip'): Promise<string> {
  const ext = { xz: 'xz', bzip2: 'bz2', gzip: 'gz' }[tool]
  const r = await run('sh', ['-c', `${tool} -c "$1" > "$1.${ext}"`, 'sh', path])
  assert.equal(r.code, 0, r.stderr)
  return `${path}.${ext}`
}

async function filesOf(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const p = join(dir, name)
    if ((await stat(p)).isFile())
      out.set(
        name,
        createHash('sha256')
          .update(await readFile(p))
          .digest('hex'),
      )
  }
  return out
}

function withoutLayersData(json: string): unknown {
  // skiff prints skopeo ≥ 1.10's LayersData too; skopeo 1.9.3 does not have it.
  const o = JSON.parse(json) as Record<string, unknown>
  delete o['LayersData']
  return o
}

async function ok(args: string[]): Promise<string> {
  const r = await skiff(args)
  assert.equal(r.code, 0, `skiff ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

async function sk(args: string[]): Promise<string> {
  const r = await skopeo(args)
  assert.equal(r.code, 0, `skopeo ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

/** The uncompressed digests of the layers an OCI layout's manifest names. */
async function ociLayerDiffIDs(layout: string): Promise<{ config: string; diffIDs: string[] }> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }
  const blob = (d: string): Promise<Buffer> => readFile(join(layout, 'blobs/sha256', d.slice(7)))
  const m = JSON.parse((await blob(index.manifests[0]!.digest)).toString()) as {
    config: { digest: string }
    layers: { digest: string; mediaType: string }[]
  }
  const diffIDs: string[] = []
  for (const l of m.layers) {
    const bytes = await blob(l.digest)
    const plain = l.mediaType.endsWith('+gzip') ? gunzipSync(bytes) : bytes
    diffIDs.push(`sha256:${createHash('sha256').update(plain).digest('hex')}`)
  }
  return { config: m.config.digest, diffIDs }
}

describe('compressed docker-archive sources, compared with skopeo', () => {
  for (const tool of ['xz', 'bzip2', 'gzip'] as const) {
    it(`reads a ${tool}-compressed archive as skopeo does: list-tags, inspect, copy to dir: and oci:`, async () => {
      requireTool(tool)
      await withTempDir(async (dir) => {
        const plain = await skopeoArchive(dir)
        const packed = await compress(plain, tool)
        const tmp = join(dir, 'tmp')
        await mkdir(tmp)
        const name = `docker-archive:${packed}`
        // Debian's skopeo 1.9.3 fails on gzip-compressed archives ("loading tar component
        // manifest.json: unexpected EOF"); for gzip the oracle is its reading of the plain archive.
        const oracle = tool === 'gzip' ? `docker-archive:${plain}` : name

        assert.deepEqual(
          JSON.parse(await ok(['--tmpdir', tmp, 'list-tags', name])),
          JSON.parse(await sk(['list-tags', oracle])),
        )
        assert.deepEqual(
          withoutLayersData(await ok(['--tmpdir', tmp, 'inspect', name])),
          withoutLayersData(await sk(['inspect', oracle])),
        )
        assert.equal(await ok(['--tmpdir', tmp, 'inspect', '--raw', name]), await sk(['inspect', '--raw', oracle]))
        assert.equal(
          await ok(['--tmpdir', tmp, 'inspect', '--config', '--raw', name]),
          await sk(['inspect', '--config', '--raw', oracle]),
        )

        // dir: every blob (config and layers) byte-identical to skopeo's copy. The manifests differ
        // only in the uncompressed layers' labels: skiff writes the honest …diff.tar, skopeo keeps
        // the archive source's …tar.gzip label (README, docker-archive:).
        await ok(['--tmpdir', tmp, 'copy', '-q', name, `dir:${join(dir, 'skiff-dir')}`])
        await sk(['copy', '-q', oracle, `dir:${join(dir, 'skopeo-dir')}`])
        const mine = await filesOf(join(dir, 'skiff-dir'))
        const theirs = await filesOf(join(dir, 'skopeo-dir'))
        mine.delete('manifest.json')
        theirs.delete('manifest.json')
        assert.deepEqual(mine, theirs)
        const mm = JSON.parse(await readFile(join(dir, 'skiff-dir/manifest.json'), 'utf8')) as {
          layers: { mediaType: string }[]
        }
        const tm = JSON.parse(await readFile(join(dir, 'skopeo-dir/manifest.json'), 'utf8')) as {
          layers: { mediaType: string }[]
        }
        for (const l of tm.layers) l.mediaType = 'application/vnd.docker.image.rootfs.diff.tar'
        assert.deepEqual(mm, tm)

        // Reading the compressed archive gives exactly what reading the plain one gives.
        await ok(['copy', '-q', `docker-archive:${plain}`, `dir:${join(dir, 'plain-dir')}`])
        assert.deepEqual(await filesOf(join(dir, 'skiff-dir')), await filesOf(join(dir, 'plain-dir')))

        // oci: both gzip the layers (Go's and zlib's gzip bytes differ); config and content agree.
        await ok(['--tmpdir', tmp, 'copy', '-q', name, `oci:${join(dir, 'skiff-oci')}:x`])
        await sk(['copy', '-q', oracle, `oci:${join(dir, 'skopeo-oci')}:x`])
        assert.deepEqual(await ociLayerDiffIDs(join(dir, 'skiff-oci')), await ociLayerDiffIDs(join(dir, 'skopeo-oci')))

        assert.deepEqual(await readdir(tmp), [], 'the decompressed spool is removed')
      })
    })
  }

  it('reads real `docker save IMG | xz` and `| bzip2` output as skopeo does', async () => {
    requireTool('xz')
    requireTool('bzip2')
    await withTempDir(async (dir) => {
      const d = await startDockerd()
      try {
        const loaded = await d.docker(['load', '-i', await skopeoArchive(dir)])
        assert.equal(loaded.code, 0, loaded.stderr)
        for (const [tool, ext] of [
          ['xz', 'xz'],
          ['bzip2', 'bz2'],
        ] as const) {
          const path = join(dir, `saved.tar.${ext}`)
          const saved = await run('sh', [
            '-c',
            `docker -H "$1" save example.com/hello:1 | ${tool} > "$2"`,
            'sh',
            d.host,
            path,
          ])
          assert.equal(saved.code, 0, saved.stderr)
          const name = `docker-archive:${path}`
          assert.deepEqual(JSON.parse(await ok(['list-tags', name])), JSON.parse(await sk(['list-tags', name])))
          assert.equal(await ok(['inspect', '--raw', name]), await sk(['inspect', '--raw', name]))
          assert.deepEqual(
            withoutLayersData(await ok(['inspect', name])),
            withoutLayersData(await sk(['inspect', name])),
          )
          await ok(['copy', '-q', name, `dir:${join(dir, `skiff-${ext}`)}`])
          await sk(['copy', '-q', name, `dir:${join(dir, `skopeo-${ext}`)}`])
          const mine = await filesOf(join(dir, `skiff-${ext}`))
          const theirs = await filesOf(join(dir, `skopeo-${ext}`))
          mine.delete('manifest.json')
          theirs.delete('manifest.json')
          assert.deepEqual(mine, theirs, tool)
        }
      } finally {
        await d.close()
      }
    })
  })

  it('reads an archive whose layer files are xz or bzip2 compressed, as skopeo does', async () => {
    requireTool('xz')
    requireTool('bzip2')
    await withTempDir(async (dir) => {
      const plain = await skopeoArchive(dir)
      const x = join(dir, 'x')
      await mkdir(x)
      assert.equal((await run('tar', ['-xf', plain, '-C', x])).code, 0)
      const manifest = JSON.parse(await readFile(join(x, 'manifest.json'), 'utf8')) as { Layers: string[] }[]
      const layers = manifest[0]!.Layers
      assert.ok(layers.length >= 2, 'the example has two layers')
      // the first layer file xz-compressed, the second bzip2-compressed, names unchanged
      for (const [i, tool] of [
        [0, 'xz'],
        [1, 'bzip2'],
      ] as const) {
        const p = join(x, layers[i]!)
        assert.equal((await run('sh', ['-c', `${tool} -c "$1" > "$1.c" && mv "$1.c" "$1"`, 'sh', p])).code, 0)
      }
      const mixed = join(dir, 'mixed.tar')
      assert.equal((await run('tar', ['-cf', mixed, '-C', x, '.'])).code, 0)
      const name = `docker-archive:${mixed}`

      assert.equal(await ok(['inspect', '--raw', name]), await sk(['inspect', '--raw', name]))
      assert.deepEqual(withoutLayersData(await ok(['inspect', name])), withoutLayersData(await sk(['inspect', name])))
      await ok(['copy', '-q', name, `dir:${join(dir, 'skiff-dir')}`])
      await sk(['copy', '-q', name, `dir:${join(dir, 'skopeo-dir')}`])
      const mine = await filesOf(join(dir, 'skiff-dir'))
      const theirs = await filesOf(join(dir, 'skopeo-dir'))
      mine.delete('manifest.json')
      theirs.delete('manifest.json')
      assert.deepEqual(mine, theirs)
      // … and a docker-archive destination (which wants uncompressed layers) holds the DiffIDs
      const out = join(dir, 'out.tar')
      await ok(['copy', '-q', name, `docker-archive:${out}:example.com/hello:1`])
      assert.equal(await ok(['inspect', '--raw', `docker-archive:${out}`]), await sk(['inspect', '--raw', name]))
    })
  })

  it('refuses a truncated .xz or a corrupt .bz2 archive clearly, leaving nothing behind', async () => {
    requireTool('xz')
    requireTool('bzip2')
    await withTempDir(async (dir) => {
      const plain = await skopeoArchive(dir)
      const xz = await compress(plain, 'xz')
      const bytes = await readFile(xz)
      const truncated = join(dir, 'truncated.tar.xz')
      await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)))
      const bz = await compress(plain, 'bzip2')
      const corrupt = join(dir, 'corrupt.tar.bz2')
      const cb = Buffer.from(await readFile(bz))
      cb.fill(0x55, 64, 96)
      await writeFile(corrupt, cb)
      const tmp = join(dir, 'tmp')
      await mkdir(tmp)
      for (const [path, fmt] of [
        [truncated, 'xz'],
        [corrupt, 'bzip2'],
      ] as const) {
        for (const args of [
          ['copy', `docker-archive:${path}`, `dir:${join(dir, 'dest')}`],
          ['inspect', `docker-archive:${path}`],
          ['list-tags', `docker-archive:${path}`],
        ]) {
          const r = await skiff(['--tmpdir', tmp, ...args])
          assert.equal(r.code, 1, r.stderr)
          assert.match(
            r.stderr,
            new RegExp(
              `^skiff: .*docker-archive:${path.replace(/[.]/g, '\\.')}: not valid ${fmt} data \\(.+\\); the file is truncated or corrupt\\n$`,
            ),
          )
          assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
          assert.deepEqual(await readdir(tmp), [], 'no spool left')
        }
        await assert.rejects(stat(join(dir, 'dest')), { code: 'ENOENT' })
      }
    })
  })

  it('says which package to install when the xz program is missing', async () => {
    await withTempDir(async (dir) => {
      const plain = await skopeoArchive(dir)
      const xz = await compress(plain, 'xz')
      const empty = join(dir, 'empty-path')
      await mkdir(empty)
      const r = await skiff(['inspect', `docker-archive:${xz}`], { env: { PATH: empty } })
      assert.equal(r.code, 1, r.stderr)
      assert.match(
        r.stderr,
        /^skiff: docker-archive:.*img\.tar\.xz: cannot decompress xz data: the "xz" program is not installed; install it \(Debian\/Ubuntu: apt-get install xz-utils\)\n$/,
      )
    })
  })

  it('removes the decompressed spool on Ctrl-C', async () => {
    requireTool('xz')
    await withTempDir(async (dir) => {
      // 64 concatenated xz streams of 64 MiB of zeros each: 4 GiB to decompress, from 0.6 MB.
      const one = join(dir, 'one.xz')
      assert.equal((await run('sh', ['-c', 'head -c 67108864 /dev/zero | xz -1 > "$1"', 'sh', one])).code, 0)
      const chunk = await readFile(one)
      const big = join(dir, 'big.tar.xz')
      await writeFile(big, Buffer.concat(Array.from({ length: 64 }, () => chunk)))
      const tmp = join(dir, 'tmp')
      await mkdir(tmp)
      const child = spawn(process.execPath, [...CLI_ARGS, '--tmpdir', tmp, 'inspect', `docker-archive:${big}`], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
      // killed by SIGINT after cleaning up, as Unix tools end (the shell shows 130)
      const exited = new Promise<string>((resolve) =>
        child.on('close', (code, signal) => resolve(signal ?? `exit ${code}`)),
      )
      try {
        const deadline = Date.now() + 30_000
        let spooling = false
        while (!spooling && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50))
          for (const f of await readdir(tmp))
            if ((await stat(join(tmp, f)).catch(() => undefined))?.size) spooling = true
        }
        assert.ok(spooling, `the spool appeared under --tmpdir (${stderr})`)
        child.kill('SIGINT')
        assert.equal(await exited, 'SIGINT', stderr)
        assert.deepEqual(await readdir(tmp), [], 'the spool is removed')
      } finally {
        child.kill('SIGKILL')
      }
    })
  })
})
