/**
 * Random access into an uncompressed tar file: one pass over the headers maps each entry name to
 * (offset, size, type, link target). Names that are absolute or climb out of the archive root are
 * rejected (ERR_UNSAFE_PATH), and links are resolved only to entries inside the archive.
 */
import { open } from 'node:fs/promises'
import { posix } from 'node:path'
import { SkiffError } from '../../../errors.js'
import { BLOCK, decodeHeader, entryType, isZeroBlock, paddedSize, parsePax, type TarEntryType } from './tar-header.js'

export interface TarEntry {
  name: string
  type: TarEntryType
  /** Byte offset of the entry's data in the file. */
  offset: number
  size: number
  linkname: string
}

/** Upper bound for GNU long-name and PAX header payloads (they are held in memory). */
const MAX_META_SIZE = 1 << 20
const MAX_LINK_DEPTH = 16

/**
 * Normalizes an entry name relative to the archive root ("./a//b/" → "a/b"); throws ERR_UNSAFE_PATH
 * for absolute names and names that escape the root with "..".
 */
export function safeEntryName(name: string, what = 'entry'): string {
  if (name.startsWith('/')) {
    throw new SkiffError(
      'ERR_UNSAFE_PATH',
      `unsafe tar ${what} "${name}": absolute paths are not allowed in an image archive`,
    )
  }
  const n = posix.normalize(name)
  if (n === '..' || n.startsWith('../')) {
    throw new SkiffError('ERR_UNSAFE_PATH', `unsafe tar ${what} "${name}": it points outside the archive`)
  }
  const trimmed = n.replace(/\/+$/, '')
  return trimmed === '' ? '.' : trimmed
}

export class TarIndex {
  constructor(
    readonly path: string,
    private readonly entries: Map<string, TarEntry>,
    /** Whether the scan met the end-of-archive marker (a file cut at an entry boundary has none). */
    readonly complete = true,
  ) {}

  names(): string[] {
    return [...this.entries.keys()]
  }

  /** The entry as stored (a link is not followed); undefined when absent. */
  lookup(name: string): TarEntry | undefined {
    return this.entries.get(safeEntryName(name))
  }

  /**
   * The regular file `name` refers to, following symbolic and hard links inside the archive.
   * Returns undefined when the name (or a link target) does not exist; throws ERR_UNSAFE_PATH for
   * a link that leaves the archive and ERR_INVALID_LAYOUT for a link loop or a non-file.
   */
  resolve(name: string): TarEntry | undefined {
    let entry = this.lookup(name)
    for (let depth = 0; entry && depth <= MAX_LINK_DEPTH; depth++) {
      if (entry.type === 'file') return entry
      if (entry.type === 'symlink') {
        if (entry.linkname.startsWith('/')) {
          throw new SkiffError(
            'ERR_UNSAFE_PATH',
            `unsafe symbolic link "${entry.name}" -> "${entry.linkname}" in ${this.path}: absolute targets are not allowed`,
          )
        }
        const target = safeEntryName(
          posix.join(posix.dirname(entry.name), entry.linkname),
          `link target of "${entry.name}"`,
        )
        entry = this.entries.get(target)
      } else if (entry.type === 'hardlink') {
        entry = this.entries.get(safeEntryName(entry.linkname, `link target of "${entry.name}"`))
      } else {
        throw new SkiffError('ERR_INVALID_LAYOUT', `"${entry.name}" in ${this.path} is not a regular file`)
      }
    }
    if (entry)
      throw new SkiffError('ERR_INVALID_LAYOUT', `too many levels of links resolving "${name}" in ${this.path}`)
    return undefined
  }
}

/** Reads the headers of the tar file at `path` (uncompressed) and indexes its entries. */
export async function scanTar(path: string): Promise<TarIndex> {
  const fh = await open(path, 'r')
  try {
    const { size: fileSize } = await fh.stat()
    const entries = new Map<string, TarEntry>()
    const block = Buffer.alloc(BLOCK)
    let pos = 0
    let longName: string | undefined
    let longLink: string | undefined
    let pax: Map<string, string> | undefined
    let ended = false
    const readAt = async (buf: Buffer, at: number): Promise<void> => {
      const { bytesRead } = await fh.read(buf, 0, buf.length, at)
      if (bytesRead !== buf.length) throw new SkiffError('ERR_INVALID_LAYOUT', `${path}: truncated tar archive`)
    }
    while (pos + BLOCK <= fileSize) {
      await readAt(block, pos)
      if (isZeroBlock(block)) {
        ended = true
        break
      }
      const h = decodeHeader(block)
      const dataAt = pos + BLOCK
      pos = dataAt + paddedSize(h.size)
      if (dataAt + h.size > fileSize)
        throw new SkiffError('ERR_INVALID_LAYOUT', `${path}: truncated tar archive (entry "${h.name}")`)
      if (h.typeflag === 'L' || h.typeflag === 'K' || h.typeflag === 'x' || h.typeflag === 'g') {
        if (h.size > MAX_META_SIZE) throw new SkiffError('ERR_INVALID_LAYOUT', `${path}: tar extended header too large`)
        const data = Buffer.alloc(h.size)
        await readAt(data, dataAt)
        if (h.typeflag === 'L') longName = data.toString('utf8').replace(/\0+$/, '')
        else if (h.typeflag === 'K') longLink = data.toString('utf8').replace(/\0+$/, '')
        else if (h.typeflag === 'x') pax = parsePax(data)
        continue // 'g' (global PAX) carries nothing an image archive needs
      }
      let name = longName ?? h.name
      let linkname = longLink ?? h.linkname
      let size = h.size
      if (pax) {
        name = pax.get('path') ?? name
        linkname = pax.get('linkpath') ?? linkname
        const paxSize = pax.get('size')
        if (paxSize !== undefined) {
          size = Number(paxSize)
          if (!Number.isSafeInteger(size) || size < 0)
            throw new SkiffError('ERR_INVALID_LAYOUT', `${path}: invalid PAX size for "${name}"`)
          pos = dataAt + paddedSize(size)
        }
      }
      longName = longLink = pax = undefined
      const type = entryType(h.typeflag)
      if (type === 'symlink' || type === 'hardlink') size = 0
      const safe = safeEntryName(name)
      entries.set(safe, { name: safe, type, offset: dataAt, size, linkname })
    }
    return new TarIndex(path, entries, ended)
  } finally {
    await fh.close()
  }
}
