/** Compression detection by magic bytes, for whole archives and for layer files inside them. */
import { open } from 'node:fs/promises'

export type DetectedCompression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz'

/** How many leading bytes `detectCompression` looks at. */
export const MAGIC_LENGTH = 6

export function detectCompression(head: Uint8Array): DetectedCompression {
  const b = head
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip'
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd'
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2'
  if (
    b.length >= 6 &&
    b[0] === 0xfd &&
    b[1] === 0x37 &&
    b[2] === 0x7a &&
    b[3] === 0x58 &&
    b[4] === 0x5a &&
    b[5] === 0x00
  )
    return 'xz'
  return 'none'
}

/** Reads up to MAGIC_LENGTH bytes at `offset` of a file (fewer when the range is shorter). */
export async function readHead(path: string, offset = 0, limit = MAGIC_LENGTH): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(Math.max(0, Math.min(MAGIC_LENGTH, limit)))
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}
