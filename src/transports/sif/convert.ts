/**
 * Converting a SIF's squashfs root file system to a tar layer, with the same tools and the same
 * commands as containers/image (so the layer holds the same entries, in the same order, with the
 * same metadata): the partition is copied out to a squashfs file, `unsquashfs` extracts it and GNU
 * `tar --acls --xattrs -cpf` archives the tree, under `fakeroot` when skiff does not run as root (so
 * ownership is recorded as the image has it).
 *
 * Two deliberate differences make skiff's layer reproducible where skopeo's is not: tar is told to
 * leave out the extraction-time `ctime` pax record (skopeo's layer digest changes on every run), and
 * the injected /podman/runscript gets the SIF's modification time instead of the wall clock.
 */
import { constants, createReadStream } from 'node:fs'
import { access, mkdir, rm, utimes, writeFile } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { delimiter, join } from 'node:path'
import { SkiffError } from '../../errors.js'
import { newHasher, type Digest } from '../../digest/digest.js'
import { BLOB_READ_CHUNK } from '../../util/io.js'
import { pipeToFile } from '../../util/file-sink.js'
import { INJECTED_SCRIPT_PATH } from './deffile.js'
import type { SifDescriptor } from './sif-file.js'

const OUTPUT_LIMIT = 4096

/** Debian/Ubuntu packages of the programs the conversion runs. */
const PACKAGE: Record<string, string> = { unsquashfs: 'squashfs-tools', tar: 'tar', fakeroot: 'fakeroot', sh: 'dash' }

async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue
    try {
      await access(join(dir, cmd), constants.X_OK)
      return true
    } catch {
      // not in this directory
    }
  }
  return false
}

/**
 * The programs the conversion needs, checked up front for a clear message. Under `fakeroot`
 * unless running as root.
 */
async function checkTools(image: string): Promise<{ fakeroot: boolean }> {
  const fakeroot = typeof process.getuid === 'function' && process.getuid() !== 0
  const needed = ['unsquashfs', 'tar', 'sh', ...(fakeroot ? ['fakeroot'] : [])]
  const missing: string[] = []
  for (const cmd of needed) if (!(await onPath(cmd))) missing.push(cmd)
  if (missing.length) {
    const pkgs = [...new Set(missing.map((m) => PACKAGE[m] ?? m))].join(' ')
    const why = fakeroot ? ' (fakeroot is needed when not running as root)' : ''
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${image}: converting a SIF image needs ${missing.map((m) => `"${m}"`).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed${why}; install it (Debian/Ubuntu: apt-get install ${pkgs})`,
      { image },
    )
  }
  return { fakeroot }
}

// $1 = extracted root, $2 = squashfs file, $3 = tar file. The extracted tree is made writable and
// removed in the same (fakeroot) session: it may hold directories its owner cannot write.
const SCRIPT = [
  'unsquashfs -d "$1" -f "$2" && tar --acls --xattrs --pax-option=delete=ctime -C "$1" -cpf "$3" ./',
  'rc=$?',
  'chmod -R u+rwX "$1" 2>/dev/null',
  'rm -rf "$1"',
  'exit $rc',
].join('\n')

function run(
  cmd: string,
  args: string[],
  signal: AbortSignal | undefined,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) })
    let output = ''
    const keep = (s: string): void => {
      output = (output + s).slice(-OUTPUT_LIMIT)
    }
    child.stdout.setEncoding('utf8').on('data', keep)
    child.stderr.setEncoding('utf8').on('data', keep)
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

export interface ConvertedLayer {
  path: string
  digest: Digest
  size: number
}

/**
 * Converts the squashfs `partition` of the SIF file at `sifPath` into `workDir/rootfs.tar`, adding
 * `script` (if any) as /podman/runscript. `workDir` is empty and exclusively ours.
 */
export async function convertSquashfs(opts: {
  sifPath: string
  partition: SifDescriptor
  script: Buffer | undefined
  /** Seconds since the epoch, for the injected script's times. */
  scriptTime: number
  workDir: string
  image: string
  signal?: AbortSignal | undefined
}): Promise<ConvertedLayer> {
  const { image, workDir, partition } = opts
  const { fakeroot } = await checkTools(image)
  const squashPath = join(workDir, 'rootfs.squashfs')
  const rootPath = join(workDir, 'rootfs')
  const tarPath = join(workDir, 'rootfs.tar')
  if (partition.size === 0)
    throw new SkiffError('ERR_INVALID_LAYOUT', `${image}: the SIF image's squashfs partition is empty`, { image })
  await pipeToFile(
    squashPath,
    createReadStream(opts.sifPath, {
      start: partition.offset,
      end: partition.offset + partition.size - 1,
      highWaterMark: BLOB_READ_CHUNK,
    }),
    [],
    { mode: 0o600, signal: opts.signal },
  )
  if (opts.script) {
    const scriptFile = join(rootPath, INJECTED_SCRIPT_PATH)
    const scriptDir = join(scriptFile, '..')
    await mkdir(scriptDir, { recursive: true, mode: 0o755 })
    await writeFile(scriptFile, opts.script, { mode: 0o755 })
    await utimes(scriptFile, opts.scriptTime, opts.scriptTime)
    await utimes(scriptDir, opts.scriptTime, opts.scriptTime)
  }
  const args = ['-c', SCRIPT, 'sh', rootPath, squashPath, tarPath]
  const { code, output } = fakeroot
    ? await run('fakeroot', ['--', 'sh', ...args], opts.signal)
    : await run('sh', args, opts.signal)
  await rm(squashPath, { force: true })
  if (code !== 0) {
    const detail = output.trim().split('\n').filter(Boolean).slice(-3).join('; ')
    throw new SkiffError(
      'ERR_INVALID_LAYOUT',
      `${image}: converting the SIF image's squashfs root file system to a layer failed${detail ? `: ${detail}` : ` (exit status ${code})`}`,
      { image },
    )
  }
  const h = newHasher()
  let size = 0
  for await (const chunk of createReadStream(tarPath, { highWaterMark: BLOB_READ_CHUNK })) {
    h.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return { path: tarPath, digest: `sha256:${h.digest('hex')}`, size }
}
