/**
 * Reading the SIF container format (Singularity/Apptainer images), as sylabs/sif v2 lays it out:
 * a 128-byte global header, a table of fixed-size descriptors, and the data objects they point at.
 * All integers are little-endian; structures are unpadded (Go's encoding/binary).
 *
 *   header:     launch[32] magic[10]="SIF_MAGIC\0" version[3]="01\0" arch[3] uuid[16]
 *               created modified descrFree descrTotal descrOffset descrSize dataOffset dataSize (int64)
 *   descriptor: type(int32) used(u8) id groupId linkedId (u32) offset size sizeWithPadding
 *               created modified uid gid (int64) name[128] extra[384]     = 585 bytes
 *   partition extra: fsType(int32) partType(int32) arch[3]
 */
import type { FileHandle } from 'node:fs/promises'
import { SkiffError } from '../../errors.js'

export const HEADER_SIZE = 128
export const DESCRIPTOR_SIZE = 585
/** More than any real image has (sylabs/sif creates 48); bounds what is read into memory. */
const MAX_DESCRIPTORS = 4096

export const DATA_DEFFILE = 0x4001
export const DATA_PARTITION = 0x4004
export const FS_SQUASH = 1
export const PART_PRIMSYS = 2

const FS_NAMES: Record<number, string> = { 1: 'squashfs', 2: 'ext3', 3: 'archive', 4: 'raw', 5: 'encrypted squashfs' }

/** SIF architecture codes → Go architecture names (sylabs/sif's archType.GoArch). */
const ARCH: Record<string, string> = {
  '01': '386',
  '02': 'amd64',
  '03': 'arm',
  '04': 'arm64',
  '05': 'ppc64',
  '06': 'ppc64le',
  '07': 'mips',
  '08': 'mipsle',
  '09': 'mips64',
  '10': 'mips64le',
  '11': 's390x',
  '12': 'riscv64',
}

export interface SifDescriptor {
  dataType: number
  id: number
  offset: number
  size: number
  /** Partitions only. */
  fsType?: number
  partType?: number
}

export interface SifHeader {
  /** Go architecture name, or "unknown" (as sylabs/sif's PrimaryArch). */
  arch: string
  /** Canonical UUID text. */
  id: string
  createdAt: number
  modifiedAt: number
  descriptors: SifDescriptor[]
}

function i64(b: Buffer, off: number, what: string, image: string): number {
  const v = b.readBigInt64LE(off)
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(image, `${what} is out of range`)
  return Number(v)
}

function invalid(image: string, why: string): SkiffError {
  return new SkiffError('ERR_INVALID_LAYOUT', `${image}: not a valid SIF image: ${why}`, { image })
}

function uuidText(b: Buffer): string {
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

async function readExactly(fh: FileHandle, size: number, offset: number): Promise<Buffer> {
  const buf = Buffer.alloc(size)
  let got = 0
  while (got < size) {
    const { bytesRead } = await fh.read(buf, got, size - got, offset + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return buf.subarray(0, got)
}

/** Reads and checks the header and descriptors of the SIF file open as `fh` (of `fileSize` bytes). */
export async function readSifHeader(fh: FileHandle, fileSize: number, image: string): Promise<SifHeader> {
  const h = await readExactly(fh, HEADER_SIZE, 0)
  if (h.length < HEADER_SIZE || !h.subarray(32, 42).equals(Buffer.from('SIF_MAGIC\0', 'latin1'))) {
    throw new SkiffError(
      'ERR_INVALID_LAYOUT',
      `${image}: not a SIF image (no SIF_MAGIC header); sif: reads Singularity/Apptainer .sif files`,
      { image },
    )
  }
  const version = h.subarray(42, 45)
  if (!version.equals(Buffer.from('01\0', 'latin1'))) {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${image}: SIF version "${version.toString('latin1').replace(/\0+$/, '')}" is not supported (only version 01 is)`,
      { image },
    )
  }
  const archCode = h.subarray(45, 48)
  const arch = archCode[2] === 0 ? (ARCH[archCode.subarray(0, 2).toString('latin1')] ?? 'unknown') : 'unknown'
  const id = uuidText(h.subarray(48, 64))
  const createdAt = Number(h.readBigInt64LE(64))
  const modifiedAt = Number(h.readBigInt64LE(72))
  const total = i64(h, 88, 'the descriptor count', image)
  const descrOffset = i64(h, 96, 'the descriptor offset', image)
  const descrSize = i64(h, 104, 'the descriptor table size', image)
  if (total > MAX_DESCRIPTORS) throw invalid(image, `${total} descriptors (at most ${MAX_DESCRIPTORS} are read)`)
  if (descrSize < total * DESCRIPTOR_SIZE || descrOffset + total * DESCRIPTOR_SIZE > fileSize) {
    throw invalid(image, 'the descriptor table lies outside the file (truncated?)')
  }
  const table = await readExactly(fh, total * DESCRIPTOR_SIZE, descrOffset)
  if (table.length < total * DESCRIPTOR_SIZE) throw invalid(image, 'the descriptor table is truncated')
  const descriptors: SifDescriptor[] = []
  for (let i = 0; i < total; i++) {
    const d = table.subarray(i * DESCRIPTOR_SIZE, (i + 1) * DESCRIPTOR_SIZE)
    if (d[4] === 0) continue // unused slot
    const dataType = d.readInt32LE(0)
    const offset = i64(d, 17, `descriptor ${i + 1}'s offset`, image)
    const size = i64(d, 25, `descriptor ${i + 1}'s size`, image)
    if (offset + size > fileSize)
      throw invalid(image, `data object ${d.readUInt32LE(5)} lies outside the file (truncated?)`)
    const desc: SifDescriptor = { dataType, id: d.readUInt32LE(5), offset, size }
    if (dataType === DATA_PARTITION) {
      const extra = 17 + 7 * 8 + 128
      desc.fsType = d.readInt32LE(extra)
      desc.partType = d.readInt32LE(extra + 4)
    }
    descriptors.push(desc)
  }
  return { arch, id, createdAt, modifiedAt, descriptors }
}

/** The primary system partition, which must be squashfs (what containers/image converts). */
export function primaryPartition(h: SifHeader, image: string): SifDescriptor {
  const prim = h.descriptors.filter((d) => d.dataType === DATA_PARTITION && d.partType === PART_PRIMSYS)
  if (prim.length === 0) {
    throw new SkiffError(
      'ERR_INVALID_LAYOUT',
      `${image}: the SIF image has no primary system partition (a squashfs root file system), so there is nothing to convert`,
      { image },
    )
  }
  if (prim.length > 1) throw invalid(image, 'it has more than one primary system partition')
  const p = prim[0]!
  if (p.fsType !== FS_SQUASH) {
    const fs = FS_NAMES[p.fsType ?? -1] ?? `type ${p.fsType}`
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${image}: the SIF image's root file system is ${fs}; only squashfs partitions can be converted`,
      { image },
    )
  }
  return p
}

/** The definition file, when there is exactly one (containers/image ignores it otherwise). */
export function deffileDescriptor(h: SifHeader): SifDescriptor | undefined {
  const defs = h.descriptors.filter((d) => d.dataType === DATA_DEFFILE)
  return defs.length === 1 ? defs[0] : undefined
}
