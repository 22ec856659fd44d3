/**
 * Lines in the format skopeo's log uses on a stream that is not a terminal (logrus's
 * TextFormatter): `time="2006-01-02T15:04:05Z07:00" level=info msg="…" key="value" …`, fields
 * after msg sorted by key, values quoted (Go's %q) unless they are plain words, so scripts that
 * grep skopeo's output (`Would have copied image ref`, `from="docker://…"`) read skiff's too.
 */

/** logrus's needsQuoting: anything but letters, digits and `-._/@^+` is quoted. */
function needsQuoting(s: string): boolean {
  return !/^[A-Za-z0-9\-._/@^+]+$/.test(s)
}

/** Go's %q for the strings we print (no invalid UTF-8 in JS strings): `"` `\` and control characters escaped. */
function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return out + '"'
}

function value(s: string): string {
  return needsQuoting(s) ? goQuote(s) : s
}

/** Go's time.RFC3339 in local time: `2026-12-02T11:17:03Z` or `…T12:17:03+01:00`. */
export function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset()
  const local = new Date(d.getTime() + off * 60_000)
  const base = local.toISOString().slice(0, 19)
  if (off === 0) return `${base}Z`
  const a = Math.abs(off)
  return `${base}${off > 0 ? '+' : '-'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`
}

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'fatal'

export function logrusLine(
  level: LogLevel,
  msg: string,
  fields: Record<string, string> = {},
  now: Date = new Date(),
): string {
  const rest = Object.keys(fields)
    .sort()
    .map((k) => ` ${k}=${value(fields[k]!)}`)
    .join('')
  return `time="${rfc3339(now)}" level=${level} msg=${value(msg)}${rest}`
}
