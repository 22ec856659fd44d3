/**
 * A small, spec-correct SIF (Singularity Image Format) writer for tests, so the sif: transport can
 * be tested without Singularity/Apptainer. Layout as sylabs/sif v2 writes it: a 128-byte global
 * header at 0, a descriptor table at 4096 (48 descriptors of 585 bytes, little-endian, unpacked),
 * then the data objects (partitions aligned to 4096). The squashfs partition is made with the real
 * `mksquashfs` from a small root filesystem.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const HEADER_SIZE = 128
const DESCRIPTOR_SIZE = 585
const DESCRIPTORS_OFFSET = 4096
const CAPACITY = 48
const GROUP_MASK = 0xf0000000

export const DATA = {
  deffile: 0x4001,
  envvar: 0x4002,
  labels: 0x4003,
  partition: 0x4004,
  signature: 0x4005,
  generic: 0x4007,
} as const
export const FS = { squash: 1, ext3: 2, raw: 4, encryptedSquash: 5 } as const
export const PART = { system: 1, primSys: 2, data: 3, overlay: 4 } as const
const ARCH: Record<string, string> = {
  '386': '01',
  amd64: '02',
  arm: '03',
  arm64: '04',
  ppc64: '05',
  ppc64le: '06',
  s390x: '11',
  riscv64: '12',
}

export interface SifObject {
  type: number
  data: Buffer
  name?: string
  /** Partitions: file system and partition type, architecture (Go name). */
  fs?: number
  part?: number
  arch?: string
  alignment?: number
}

export interface SifSpec {
  objects: SifObject[]
  /** Canonical UUID string. */
  id?: string
  createdAt?: number
  modifiedAt?: number
  launch?: string
  /** Overrides (for bad-input tests). */
  magic?: string
  version?: string
}

function archBytes(arch: string | undefined): Buffer {
  const b = Buffer.alloc(3)
  b.write(arch ? (ARCH[arch] ?? '00') : '00', 'latin1')
  return b
}

function align(n: number, a: number): number {
  return a > 0 && n % a !== 0 ? n + (a - (n % a)) : n
}

export function buildSif(spec: SifSpec): Buffer {
  const created = spec.createdAt ?? 1700000000
  const modified = spec.modifiedAt ?? created
  const dataOffset = DESCRIPTORS_OFFSET + CAPACITY * DESCRIPTOR_SIZE
  const descriptors = Buffer.alloc(CAPACITY * DESCRIPTOR_SIZE)
  const chunks: Buffer[] = []
  let end = dataOffset
  let headerArch = archBytes(undefined)
  spec.objects.forEach((o, i) => {
    const offset = align(end, o.alignment ?? (o.type === DATA.partition ? 4096 : 0))
    if (offset > end) chunks.push(Buffer.alloc(offset - end))
    chunks.push(o.data)
    const d = descriptors.subarray(i * DESCRIPTOR_SIZE, (i + 1) * DESCRIPTOR_SIZE)
    let p = 0
    p = d.writeInt32LE(o.type, p)
    p = d.writeUInt8(1, p) // used
    p = d.writeUInt32LE(i + 1, p) // id
    p = d.writeUInt32LE((GROUP_MASK | 1) >>> 0, p) // group 1, as singularity build does
    p = d.writeUInt32LE(0, p) // linked id
    p = d.writeBigInt64LE(BigInt(offset), p)
    p = d.writeBigInt64LE(BigInt(o.data.length), p)
    p = d.writeBigInt64LE(BigInt(offset - end + o.data.length), p) // size with padding
    p = d.writeBigInt64LE(BigInt(created), p)
    p = d.writeBigInt64LE(BigInt(modified), p)
    p = d.writeBigInt64LE(0n, p) // uid (deprecated)
    p = d.writeBigInt64LE(0n, p) // gid (deprecated)
    d.write(o.name ?? '', p, 128, 'utf8')
    p += 128
    if (o.type === DATA.partition) {
      d.writeInt32LE(o.fs ?? FS.squash, p)
      d.writeInt32LE(o.part ?? PART.primSys, p + 4)
      archBytes(o.arch).copy(d, p + 8)
      if ((o.part ?? PART.primSys) === PART.primSys) headerArch = archBytes(o.arch)
    }
    end = offset + o.data.length
  })
  const h = Buffer.alloc(HEADER_SIZE)
  h.write(spec.launch ?? '#!/usr/bin/env run-singularity\n', 0, 32, 'latin1')
  h.write(spec.magic ?? 'SIF_MAGIC', 32, 10, 'latin1')
  h.write(spec.version ?? '01', 42, 3, 'latin1')
  headerArch.copy(h, 45)
  Buffer.from((spec.id ?? '3e1e4f2b-7c1a-4d5e-9f00-1234567890ab').replace(/-/g, ''), 'hex').copy(h, 48)
  let p = 64
  p = h.writeBigInt64LE(BigInt(created), p)
  p = h.writeBigInt64LE(BigInt(modified), p)
  p = h.writeBigInt64LE(BigInt(CAPACITY - spec.objects.length), p) // free
  p = h.writeBigInt64LE(BigInt(CAPACITY), p) // total
  p = h.writeBigInt64LE(BigInt(DESCRIPTORS_OFFSET), p)
  p = h.writeBigInt64LE(BigInt(descriptors.length), p)
  p = h.writeBigInt64LE(BigInt(dataOffset), p)
  h.writeBigInt64LE(BigInt(end - dataOffset), p)
  return Buffer.concat([h, Buffer.alloc(DESCRIPTORS_OFFSET - HEADER_SIZE), descriptors, ...chunks])
}

/** Files of a small root filesystem: path → content (a trailing '/' makes a directory). */
export type RootFs = Record<string, string>

/** A typical Singularity root: /.singularity.d with env scripts and a runscript, plus some files. */
export function singularityRoot(extra: RootFs = {}): RootFs {
  return {
    '.singularity.d/': '',
    '.singularity.d/env/': '',
    '.singularity.d/env/90-environment.sh': '#!/bin/sh\nexport GREETING="hello from sif"\n',
    '.singularity.d/runscript': '#!/bin/sh\necho "$GREETING"\n',
    '.singularity.d/labels.json': '{"org.label-schema.schema-version":"1.0"}\n',
    'bin/': '',
    'etc/': '',
    'etc/os-release': 'NAME=skiff-test\n',
    'usr/share/doc/readme.txt': 'a'.repeat(5000),
    ...extra,
  }
}

/** Builds a squashfs image of `files` with mksquashfs (deterministic: fixed times, root-owned). */
export async function makeSquashfs(dir: string, files: RootFs): Promise<Buffer> {
  const root = join(dir, 'sqroot')
  await rm(root, { recursive: true, force: true })
  await mkdir(root, { recursive: true })
  for (const [path, content] of Object.entries(files)) {
    const p = join(root, path)
    if (path.endsWith('/')) await mkdir(p, { recursive: true })
    else {
      await mkdir(join(p, '..'), { recursive: true })
      await writeFile(p, content, { mode: /runscript$|\.sh$/.test(path) ? 0o755 : 0o644 })
    }
  }
  const out = join(dir, 'rootfs.squashfs')
  await rm(out, { force: true })
  execFileSync(
    'mksquashfs',
    [
      root,
      out,
      '-noappend',
      '-all-root',
      '-no-progress',
      '-quiet',
      '-mkfs-time',
      '1600000000',
      '-all-time',
      '1600000000',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const bytes = await readFile(out)
  await rm(root, { recursive: true, force: true })
  await rm(out, { force: true })
  return bytes
}

export const DEFFILE_WITH_RUNSCRIPT = `Bootstrap: docker
From: busybox:latest

%environment
    # a comment, skipped
    export GREETING="hello from the deffile"

    export LANG=C

%runscript
    echo "$GREETING"
    exec /bin/sh "$@"

%labels
    Author skiff
`

/** Writes a SIF with a deffile, an environment object and a squashfs primary partition. */
export async function writeSif(
  path: string,
  dir: string,
  opts: { deffile?: string | undefined; files?: RootFs; arch?: string; modifiedAt?: number; id?: string } = {},
): Promise<void> {
  const squash = await makeSquashfs(dir, opts.files ?? singularityRoot())
  const objects: SifObject[] = []
  if (opts.deffile !== undefined) objects.push({ type: DATA.deffile, data: Buffer.from(opts.deffile) })
  objects.push({ type: DATA.envvar, data: Buffer.from('export GREETING="hello from the env object"\n') })
  objects.push({ type: DATA.partition, data: squash, fs: FS.squash, part: PART.primSys, arch: opts.arch ?? 'amd64' })
  await writeFile(
    path,
    buildSif({
      objects,
      ...(opts.modifiedAt !== undefined ? { modifiedAt: opts.modifiedAt } : {}),
      ...(opts.id ? { id: opts.id } : {}),
    }),
  )
}
