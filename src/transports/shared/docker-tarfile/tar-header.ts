/**
 * A small tar header decoder (ustar, GNU long names 'L'/'K', PAX 'x' records), enough to index a
 * `docker save` archive without extracting it. Only what random access needs: name, size, type,
 * link target and where the data starts.
 */
import { SkiffError } from '../../../errors.js'

export const BLOCK = 512

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other'

/** One raw header as stored (before long-name/PAX overrides are applied). */
export interface RawHeader {
  name: string
  size: number
  /** The typeflag character ('0', '5', 'L', 'x', …). */
  typeflag: string
  linkname: string
}

function cString(buf: Buffer, start: number, end: number): string {
  const nul = buf.indexOf(0, start)
  return buf.toString('utf8', start, nul === -1 || nul > end ? end : nul)
}

function parseNumeric(buf: Buffer, start: number, end: number, what: string): number {
  if ((buf[start]! & 0x80) !== 0) {
    // GNU base-256: big-endian, the top bit of the first byte is the marker.
    let n = buf[start]! & 0x7f
    for (let i = start + 1; i < end; i++) n = n * 256 + buf[i]!
    if (!Number.isSafeInteger(n)) throw new SkiffError('ERR_INVALID_LAYOUT', `tar header ${what} is too large`)
    return n
  }
  const s = cString(buf, start, end).trim()
  if (s === '') return 0
  if (!/^[0-7]+$/.test(s))
    throw new SkiffError('ERR_INVALID_LAYOUT', `invalid tar header: ${what} "${s}" is not an octal number`)
  return parseInt(s, 8)
}

/** True for an all-zero block (end-of-archive marker). */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false
  return true
}

function checksumOk(block: Buffer): boolean {
  const stored = parseNumeric(block, 148, 156, 'checksum')
  let unsigned = 0
  let signed = 0
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!
    unsigned += b
    signed += b > 127 ? b - 256 : b
  }
  return stored === unsigned || stored === signed
}

/** Decodes one 512-byte header block; throws ERR_INVALID_LAYOUT when it is not a tar header. */
export function decodeHeader(block: Buffer): RawHeader {
  if (!checksumOk(block)) throw new SkiffError('ERR_INVALID_LAYOUT', 'not a tar archive (bad header checksum)')
  let name = cString(block, 0, 100)
  const typeflag = block[156] === 0 ? '0' : String.fromCharCode(block[156]!)
  const linkname = cString(block, 157, 257)
  const magic = block.toString('latin1', 257, 263)
  if (magic === 'ustar\u0000' || magic === 'ustar ') {
    // POSIX ustar stores a prefix; old GNU format ("ustar  ") uses those bytes for other fields.
    if (magic === 'ustar\u0000') {
      const prefix = cString(block, 345, 500)
      if (prefix !== '') name = `${prefix}/${name}`
    }
  }
  return { name, size: parseNumeric(block, 124, 136, 'size'), typeflag, linkname }
}

/** Parses PAX extended header records ("LEN key=value\n"…). */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>()
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    if (space === -1) break
    const len = parseInt(data.toString('latin1', pos, space), 10)
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) {
      throw new SkiffError('ERR_INVALID_LAYOUT', 'invalid tar archive: malformed PAX header record')
    }
    const record = data.toString('utf8', space + 1, pos + len - 1) // drop the trailing "\n"
    const eq = record.indexOf('=')
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1))
    pos += len
  }
  return out
}

export function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '7':
      return 'file'
    case '5':
      return 'directory'
    case '2':
      return 'symlink'
    case '1':
      return 'hardlink'
    default:
      return 'other'
  }
}

/** Bytes the data of an entry of `size` occupies (padded to whole blocks). */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK
}
