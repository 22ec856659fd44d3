/**
 * PEM as Go's encoding/pem reads and writes it: the first well-formed block wins (text before it,
 * headers and malformed blocks are skipped), base64 lines of 64 characters when writing.
 */

export interface PemBlock {
  type: string
  bytes: Buffer
}

const BEGIN = '-----BEGIN '
const DASHES = '-----'
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The block's body without its headers (`Key: value` lines up to a blank line), or undefined when malformed. */
function bodyBytes(lines: string[]): Buffer | undefined {
  let i = 0
  if (lines.length > 0 && lines[0]!.includes(':')) {
    while (i < lines.length && lines[i]!.trim() !== '') {
      if (!lines[i]!.includes(':')) return undefined
      i++
    }
  }
  const text = lines
    .slice(i)
    .join('')
    .replace(/[ \t\r]/g, '')
  if (!BASE64.test(text)) return undefined
  return Buffer.from(text, 'base64')
}

/** The first PEM block of `data` (pem.Decode), or undefined when there is none. */
export function decodePem(data: Buffer | string): PemBlock | undefined {
  const text = typeof data === 'string' ? data : data.toString('latin1')
  for (let from = 0; ;) {
    const start = text.indexOf(BEGIN, from)
    if (start < 0) return undefined
    from = start + BEGIN.length
    if (start > 0 && text[start - 1] !== '\n') continue
    const eol = text.indexOf('\n', from)
    if (eol < 0) return undefined
    const typeLine = text
      .slice(from, eol)
      .replace(/\r$/, '')
      .replace(/[ \t]+$/, '')
    if (!typeLine.endsWith(DASHES)) continue
    const type = typeLine.slice(0, -DASHES.length)
    const endMarker = `\n-----END ${type}${DASHES}`
    const end = text.indexOf(endMarker, eol)
    if (end < 0) continue
    const after = text.slice(end + endMarker.length).match(/^[ \t\r]*(\n|$)/)
    if (!after) continue
    const bytes = bodyBytes(text.slice(eol + 1, end).split('\n'))
    if (!bytes) continue
    return { type, bytes }
  }
}

/** A PEM block as pem.EncodeToMemory writes it (no headers). */
export function encodePem(type: string, bytes: Uint8Array): Buffer {
  const b64 = Buffer.from(bytes).toString('base64')
  let out = `${BEGIN}${type}${DASHES}\n`
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + '\n'
  out += `-----END ${type}${DASHES}\n`
  return Buffer.from(out, 'latin1')
}
