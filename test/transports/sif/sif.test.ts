/**
 * sif: side by side with skopeo 1.9.3 (whose Debian build has containers/image's sif transport),
 * on SIF files written by test/helpers/sif.ts around a real mksquashfs partition.
 *
 * skopeo's layer is not reproducible: GNU tar --xattrs records each file's ctime (the extraction
 * time, in nanoseconds) in a pax header, and the injected /podman/runscript gets the wall-clock
 * time. skiff leaves out ctime and pins the script's times to the SIF's, so its digests are stable.
 * Everything else is compared entry by entry, and the manifest and config byte for byte once the
 * layer digest is substituted.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { extract } from 'tar-stream'
import { CLI_ARGS, skiff } from '../../cli/run-skiff.js'
import { hasTool, requireTool, run, skopeo, withTempDir } from '../../helpers/tools.js'
import {
  buildSif,
  DATA,
  DEFFILE_WITH_RUNSCRIPT,
  FS,
  makeSquashfs,
  PART,
  singularityRoot,
  writeSif,
} from '../../helpers/sif.js'

interface Entry {
  name: string
  type: string
  mode: number
  uid: number
  gid: number
  uname: string
  gname: string
  size: number
  mtime: number
  linkname: string | null
  pax: Record<string, string>
  sha: string
}

/** Every entry of a tar file with its metadata (pax records included, ctime left out). */
async function tarEntries(path: string): Promise<Entry[]> {
  const out: Entry[] = []
  const ex = extract()
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const hash = createHash('sha256')
      stream.on('data', (c: unknown) => void hash.update(c as Buffer))
      stream.on('end', () => {
        const pax = { ...((h as { pax?: Record<string, string> }).pax ?? {}) }
        delete pax['ctime']
        out.push({
          name: h.name,
          type: h.type ?? 'file',
          mode: h.mode ?? 0,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          uname: h.uname ?? '',
          gname: h.gname ?? '',
          size: h.size ?? 0,
          mtime: h.mtime?.getTime() ?? 0,
          linkname: h.linkname ?? null,
          pax,
          sha: hash.digest('hex'),
        })
        next()
      })
    })
    ex.on('finish', resolve)
    ex.on('error', reject)
  })
  createReadStream(path).pipe(ex)
  await done
  return out
}

interface DirImage {
  manifest: string
  config: string
  layerDigest: string
  layerPath: string
}

async function readDirImage(dir: string): Promise<DirImage> {
  const manifest = await readFile(join(dir, 'manifest.json'), 'utf8')
  const m = JSON.parse(manifest) as { config: { digest: string }; layers: { digest: string }[] }
  return {
    manifest,
    config: await readFile(join(dir, m.config.digest.slice(7)), 'utf8'),
    layerDigest: m.layers[0]!.digest,
    layerPath: join(dir, m.layers[0]!.digest.slice(7)),
  }
}

function sha(s: string): string {
  return `sha256:${createHash('sha256').update(s).digest('hex')}`
}

async function ok(args: string[]): Promise<string> {
  const r = await skiff(args)
  assert.equal(r.code, 0, `skiff ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

async function skopeoOk(args: string[]): Promise<string> {
  const r = await skopeo(args)
  assert.equal(r.code, 0, `skopeo ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

/** skopeo's manifest and config rewritten with skiff's layer digest (the one field that differs). */
function substitute(text: string, from: string, to: string): string {
  return text.split(from.slice(7)).join(to.slice(7))
}

function requireSifTools(): void {
  for (const t of ['mksquashfs', 'unsquashfs', 'tar']) requireTool(t)
}

describe('sif: compared with skopeo', () => {
  it('copies a SIF to dir: as skopeo does: the same entries, config and manifest; reproducible digests', async () => {
    requireSifTools()
    await withTempDir(async (dir) => {
      const sif = join(dir, 'busybox.sif')
      await writeSif(sif, dir, {})
      const tmp = join(dir, 'tmp')
      await mkdir(tmp)
      await ok(['--tmpdir', tmp, 'copy', '-q', `sif:${sif}`, `dir:${join(dir, 'skiff')}`])
      await skopeoOk(['copy', '-q', `sif:${sif}`, `dir:${join(dir, 'skopeo')}`])
      const mine = await readDirImage(join(dir, 'skiff'))
      const theirs = await readDirImage(join(dir, 'skopeo'))

      assert.deepEqual(await tarEntries(mine.layerPath), await tarEntries(theirs.layerPath))
      assert.equal(mine.config, substitute(theirs.config, theirs.layerDigest, mine.layerDigest))
      const theirsConfigDigest = sha(substitute(theirs.config, theirs.layerDigest, mine.layerDigest))
      assert.equal(
        mine.manifest,
        substitute(theirs.manifest, sha(theirs.config), theirsConfigDigest)
          .split(theirs.layerDigest.slice(7))
          .join(mine.layerDigest.slice(7)),
      )
      const cfg = JSON.parse(mine.config) as {
        created: string
        architecture: string
        os: string
        config: { Cmd: string[] }
      }
      assert.deepEqual(
        [cfg.created, cfg.architecture, cfg.os, cfg.config.Cmd],
        ['2023-11-14T22:13:20Z', 'amd64', 'linux', ['bash']],
      )
      assert.deepEqual(await readdir(tmp), [], 'the conversion directory is removed')

      // skiff's conversion is reproducible (skopeo's is not: ctime)
      await ok(['copy', '-q', `sif:${sif}`, `dir:${join(dir, 'again')}`])
      assert.equal((await readDirImage(join(dir, 'again'))).manifest, mine.manifest)

      // oci: the same config; the layer gzip-compressed, as skopeo's oci: destination does too
      await ok(['copy', '-q', `sif:${sif}`, `oci:${join(dir, 'oci')}:busybox`])
      await skopeoOk(['copy', '-q', `sif:${sif}`, `oci:${join(dir, 'skopeo-oci')}:busybox`])
      for (const [layout, layer] of [
        ['oci', mine.layerDigest],
        ['skopeo-oci', undefined],
      ] as const) {
        const index = JSON.parse(await readFile(join(dir, layout, 'index.json'), 'utf8')) as {
          manifests: { digest: string }[]
        }
        const m = JSON.parse(
          await readFile(join(dir, layout, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8'),
        ) as { config: { digest: string }; layers: { mediaType: string }[] }
        assert.equal(m.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip', layout)
        const config = await readFile(join(dir, layout, 'blobs/sha256', m.config.digest.slice(7)), 'utf8')
        const diffID = (JSON.parse(config) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids[0]!
        assert.equal(substitute(config, diffID, mine.layerDigest), mine.config, layout)
        if (layer) assert.equal(diffID, layer)
      }
    })
  })

  it("runs the definition file's %environment and %runscript as /podman/runscript, as skopeo does", async () => {
    requireSifTools()
    await withTempDir(async (dir) => {
      const sif = join(dir, 'def.sif')
      await writeSif(sif, dir, { deffile: DEFFILE_WITH_RUNSCRIPT, arch: 'arm64', modifiedAt: 1710000000 })
      await ok(['copy', '-q', `sif:${sif}`, `dir:${join(dir, 'skiff')}`])
      await skopeoOk(['copy', '-q', `sif:${sif}`, `dir:${join(dir, 'skopeo')}`])
      const mine = await readDirImage(join(dir, 'skiff'))
      const theirs = await readDirImage(join(dir, 'skopeo'))
      assert.equal(mine.config, substitute(theirs.config, theirs.layerDigest, mine.layerDigest))
      const cfg = JSON.parse(mine.config) as { architecture: string; config: { Cmd: string[] }; created: string }
      assert.deepEqual(
        [cfg.architecture, cfg.config.Cmd, cfg.created],
        ['arm64', ['/podman/runscript'], '2024-03-09T16:00:00Z'],
      )

      const a = await tarEntries(mine.layerPath)
      const b = await tarEntries(theirs.layerPath)
      const script = a.find((e) => e.name === './podman/runscript')
      assert.ok(script, 'the layer has the injected script')
      assert.equal(script.sha, b.find((e) => e.name === './podman/runscript')!.sha)
      assert.equal(script.mtime, 1710000000 * 1000, "skiff pins the script's time to the SIF's")
      // skopeo gives /podman and its script the wall-clock time; all else is identical
      const unpin = (es: Entry[]): Entry[] =>
        es.map((e) => (e.name.startsWith('./podman/') ? { ...e, mtime: 0, pax: {} } : e))
      assert.deepEqual(unpin(a), unpin(b))
      const text = (await run('tar', ['-xOf', mine.layerPath, './podman/runscript'])).stdout
      assert.equal(
        text,
        '#!/bin/bash\nexport GREETING="hello from the deffile"\nexport LANG=C\necho "$GREETING"\nexec /bin/sh "$@"\n\n',
      )
    })
  })

  it('inspect sif: matches skopeo inspect (up to the layer digest)', async () => {
    requireSifTools()
    await withTempDir(async (dir) => {
      const sif = join(dir, 'i.sif')
      await writeSif(sif, dir, { deffile: 'Bootstrap: library\nFrom: alpine\n' })
      const mine = JSON.parse(await ok(['inspect', `sif:${sif}`])) as Record<string, unknown>
      const theirs = JSON.parse(await skopeoOk(['inspect', `sif:${sif}`])) as Record<string, unknown>
      const layer = (mine['Layers'] as string[])[0]!
      const theirLayer = (theirs['Layers'] as string[])[0]!
      delete mine['LayersData'] // skopeo ≥ 1.10's field; 1.9.3 has none
      for (const o of [mine, theirs]) delete o['Digest'] // the manifest digest follows the layer digest
      assert.deepEqual(mine, JSON.parse(substitute(JSON.stringify(theirs), theirLayer, layer)))
      // every skopeo run converts anew, with a new layer digest (ctime)
      const myConfig = await ok(['inspect', '--config', '--raw', `sif:${sif}`])
      const theirConfig = await skopeoOk(['inspect', '--config', '--raw', `sif:${sif}`])
      const theirDiffID = (JSON.parse(theirConfig) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids[0]!
      assert.equal(myConfig, substitute(theirConfig, theirDiffID, layer))
    })
  })

  it('refuses what is not a usable SIF clearly; a missing file exits 2; nothing is left behind', async () => {
    requireSifTools()
    await withTempDir(async (dir) => {
      const tmp = join(dir, 'tmp')
      await mkdir(tmp)
      const squash = await makeSquashfs(dir, singularityRoot())
      const cases: { name: string; bytes: Buffer; code: number; message: RegExp }[] = [
        {
          name: 'plain.txt',
          bytes: Buffer.from('hello, not a SIF\n'.repeat(20)),
          code: 1,
          message: /: not a SIF image \(no SIF_MAGIC header\); sif: reads Singularity\/Apptainer \.sif files$/,
        },
        {
          name: 'nopart.sif',
          bytes: buildSif({ objects: [{ type: DATA.deffile, data: Buffer.from('Bootstrap: docker\n') }] }),
          code: 1,
          message:
            /: the SIF image has no primary system partition \(a squashfs root file system\), so there is nothing to convert$/,
        },
        {
          name: 'datapart.sif',
          bytes: buildSif({ objects: [{ type: DATA.partition, data: squash, part: PART.data }] }),
          code: 1,
          message: /no primary system partition/,
        },
        {
          name: 'ext3.sif',
          bytes: buildSif({ objects: [{ type: DATA.partition, data: Buffer.alloc(8192), fs: FS.ext3 }] }),
          code: 1,
          message: /: the SIF image's root file system is ext3; only squashfs partitions can be converted$/,
        },
        {
          name: 'version.sif',
          bytes: buildSif({ objects: [{ type: DATA.partition, data: squash }], version: '02' }),
          code: 1,
          message: /: SIF version "02" is not supported/,
        },
        {
          name: 'truncated.sif',
          bytes: buildSif({ objects: [{ type: DATA.partition, data: squash }] }).subarray(0, 32768 + 100),
          code: 1,
          message: /: not a valid SIF image: data object 1 lies outside the file \(truncated\?\)$/,
        },
        {
          name: 'garbage.sif',
          bytes: buildSif({ objects: [{ type: DATA.partition, data: Buffer.alloc(8192, 7) }] }),
          code: 1,
          message: /: converting the SIF image's squashfs root file system to a layer failed: /,
        },
      ]
      for (const c of cases) {
        const path = join(dir, c.name)
        await writeFile(path, c.bytes)
        const r = await skiff(['--tmpdir', tmp, 'copy', `sif:${path}`, `dir:${join(dir, 'dest')}`])
        assert.equal(r.code, c.code, `${c.name}: ${r.stderr}`)
        const line = r.stderr.trimEnd()
        assert.ok(!line.includes('\n'), `${c.name}: one line: ${r.stderr}`)
        assert.ok(
          line.startsWith(`skiff: sif:${path}`) || line.includes(`sif:${path}: `),
          `${c.name} names the image: ${line}`,
        )
        assert.match(line, c.message, c.name)
        await assert.rejects(stat(join(dir, 'dest')), { code: 'ENOENT' }, c.name)
        assert.deepEqual(await readdir(tmp), [], `${c.name}: no temp files`)
      }
      const missing = await skiff(['inspect', `sif:${join(dir, 'missing.sif')}`])
      assert.equal(missing.code, 2, missing.stderr)
      assert.match(missing.stderr, /SIF file ".*missing\.sif" does not exist/)
      const dest = await skiff(['copy', `dir:${join(dir, 'nothing')}`, `sif:${join(dir, 'out.sif')}`])
      assert.notEqual(dest.code, 0)
      const sif = join(dir, 'ok.sif')
      await writeSif(sif, dir)
      const toSif = await skiff(['copy', `sif:${sif}`, `sif:${join(dir, 'out.sif')}`])
      assert.equal(toSif.code, 1)
      assert.match(toSif.stderr, /"sif:" locations can only be read from, not written to/)
    })
  })

  it('says which package to install when unsquashfs is missing', async () => {
    requireSifTools()
    await withTempDir(async (dir) => {
      const sif = join(dir, 'a.sif')
      await writeSif(sif, dir)
      const bin = join(dir, 'bin')
      await mkdir(bin)
      for (const t of ['sh', 'tar', 'fakeroot']) {
        const found = (await run('sh', ['-c', `command -v ${t}`])).stdout.trim()
        if (found) await symlink(found, join(bin, t))
      }
      const r = await skiff(['inspect', `sif:${sif}`], { env: { PATH: bin } })
      assert.equal(r.code, 1, r.stderr)
      assert.match(
        r.stderr,
        /^skiff: sif:.*a\.sif: converting a SIF image needs "unsquashfs", which is not installed; install it \(Debian\/Ubuntu: apt-get install squashfs-tools\)\n$/,
      )
    })
  })

  it(
    'converts under fakeroot when not root, to the same layer',
    {
      skip:
        process.getuid?.() !== 0 || !hasTool('setpriv') || !hasTool('fakeroot')
          ? 'needs root (to drop to nobody), setpriv and fakeroot'
          : false,
    },
    async () => {
      requireSifTools()
      await withTempDir(async (dir) => {
        const sif = join(dir, 'u.sif')
        await writeSif(sif, dir, { deffile: DEFFILE_WITH_RUNSCRIPT })
        await ok(['copy', '-q', `sif:${sif}`, `dir:${join(dir, 'as-root')}`])
        const out = join(dir, 'as-nobody')
        const tmp = join(dir, 'tmp')
        await mkdir(tmp)
        await run('chmod', ['-R', 'a+rwX', dir])
        const r = await run(
          'setpriv',
          [
            '--reuid=65534',
            '--regid=65534',
            '--clear-groups',
            process.execPath,
            ...CLI_ARGS,
            '--tmpdir',
            tmp,
            'copy',
            '-q',
            `sif:${sif}`,
            `dir:${out}`,
          ],
          { cwd: join(import.meta.dirname, '../../..'), env: { ...process.env, HOME: tmp } },
        )
        assert.equal(r.code, 0, r.stderr)
        assert.equal(
          (await readDirImage(out)).manifest,
          (await readDirImage(join(dir, 'as-root'))).manifest,
          'files owned by root in the layer, not by nobody',
        )
        assert.deepEqual(await readdir(tmp), [])
      })
    },
  )
})
