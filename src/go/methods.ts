/**
 * The methods of Go values that --format templates call: time.Time (`{{.Created.Format "2006-01-02"}}`,
 * `.Unix`, `.Year`, `.UTC`, …) and digest.Digest (`{{.Digest.Encoded}}`, `.Algorithm`). Go's time
 * layouts are implemented for every reference-layout token (time/format.go's std chunks).
 */
import { GoTime } from './values.js'

const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

const pad = (n: number, w: number, c = '0'): string => String(n).padStart(w, c)

/** The zone's name when printing "MST": UTC, or Go's -0700 form for a zone without a name. */
function zoneName(t: GoTime): string {
  return t.offset === 0 ? 'UTC' : offsetText(t.offset, false, false)
}

function offsetText(offset: number, colon: boolean, seconds: boolean, short = false): string {
  const a = Math.abs(offset)
  const sign = offset < 0 ? '-' : '+'
  const h = pad(Math.floor(a / 60), 2)
  if (short) return `${sign}${h}`
  const m = pad(a % 60, 2)
  const sec = seconds ? `${colon ? ':' : ''}00` : ''
  return colon ? `${sign}${h}:${m}${sec}` : `${sign}${h}${m}${sec}`
}

const isDigit = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9'

/** Formats `t` with a Go reference layout ("Mon Jan 2 15:04:05 MST 2006"), as time.Time.Format. */
export function formatGoTime(t: GoTime, layout: string): string {
  let out = ''
  let i = 0
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12
  const take = (token: string): boolean => {
    if (layout.startsWith(token, i)) {
      i += token.length
      return true
    }
    return false
  }
  while (i < layout.length) {
    const c = layout[i]!
    switch (c) {
      case 'J':
        if (take('January')) {
          out += LONG_MONTHS[t.month - 1]
          continue
        }
        if (take('Jan')) {
          out += LONG_MONTHS[t.month - 1]!.slice(0, 3)
          continue
        }
        break
      case 'M':
        if (take('Monday')) {
          out += LONG_DAYS[t.weekday()]
          continue
        }
        if (take('Mon')) {
          out += LONG_DAYS[t.weekday()]!.slice(0, 3)
          continue
        }
        if (take('MST')) {
          out += zoneName(t)
          continue
        }
        break
      case '0':
        if (take('002')) {
          out += pad(t.yearDay(), 3)
          continue
        }
        if (take('01')) {
          out += pad(t.month, 2)
          continue
        }
        if (take('02')) {
          out += pad(t.day, 2)
          continue
        }
        if (take('03')) {
          out += pad(hour12, 2)
          continue
        }
        if (take('04')) {
          out += pad(t.minute, 2)
          continue
        }
        if (take('05')) {
          out += pad(t.second, 2)
          continue
        }
        if (take('06')) {
          out += pad(t.year % 100, 2)
          continue
        }
        break
      case '1':
        if (take('15')) {
          out += pad(t.hour, 2)
          continue
        }
        if (take('1')) {
          out += String(t.month)
          continue
        }
        break
      case '2':
        if (take('2006')) {
          out += pad(t.year, 4)
          continue
        }
        if (take('2')) {
          out += String(t.day)
          continue
        }
        break
      case '_':
        // "_2006" is a literal "_" then the year
        if (layout.startsWith('_2', i) && !layout.startsWith('_2006', i)) {
          i += 2
          out += pad(t.day, 2, ' ')
          continue
        }
        if (take('__2')) {
          out += pad(t.yearDay(), 3, ' ')
          continue
        }
        break
      case '3':
        i++
        out += String(hour12)
        continue
      case '4':
        i++
        out += String(t.minute)
        continue
      case '5':
        i++
        out += String(t.second)
        continue
      case 'P':
        if (take('PM')) {
          out += t.hour >= 12 ? 'PM' : 'AM'
          continue
        }
        break
      case 'p':
        if (take('pm')) {
          out += t.hour >= 12 ? 'pm' : 'am'
          continue
        }
        break
      case '-':
      case 'Z': {
        const z = c === 'Z'
        const tokens: Array<[string, (o: number) => string]> = [
          ['070000', (o) => offsetText(o, false, true)],
          ['07:00:00', (o) => offsetText(o, true, true)],
          ['0700', (o) => offsetText(o, false, false)],
          ['07:00', (o) => offsetText(o, true, false)],
          ['07', (o) => offsetText(o, false, false, true)],
        ]
        const hit = tokens.find(([tok]) => layout.startsWith(tok, i + 1))
        if (hit) {
          i += 1 + hit[0].length
          out += z && t.offset === 0 ? 'Z' : hit[1](t.offset)
          continue
        }
        break
      }
      case '.':
      case ',': {
        // a fractional second: ".000" (fixed digits) or ".999" (trailing zeros trimmed), not followed by a digit
        const d = layout[i + 1]
        if (d === '0' || d === '9') {
          let j = i + 1
          while (j < layout.length && layout[j] === d) j++
          if (!isDigit(layout, j)) {
            const n = j - i - 1
            const digits = pad(t.nanos, 9).slice(0, Math.min(n, 9))
            if (d === '0') out += c + digits
            else {
              const trimmed = digits.replace(/0+$/, '')
              if (trimmed) out += c + trimmed
            }
            i = j
            continue
          }
        }
        break
      }
    }
    out += c
    i++
  }
  return out
}

export class MethodError extends Error {}

type Method = (args: unknown[]) => unknown

function noArgs(name: string, f: () => unknown): Method {
  return (args) => {
    if (args.length) throw new MethodError(`wrong number of args for ${name}: want 0 got ${args.length}`)
    return f()
  }
}

function timeMethod(t: GoTime, name: string): Method | undefined {
  switch (name) {
    case 'Format':
      return (args) => {
        if (args.length !== 1) throw new MethodError(`wrong number of args for Format: want 1 got ${args.length}`)
        if (typeof args[0] !== 'string')
          throw new MethodError(`wrong type for value; expected string; got ${typeof args[0]}`)
        return formatGoTime(t, args[0])
      }
    case 'Unix':
      return noArgs(name, () => t.unixSeconds())
    case 'UnixMilli':
      return noArgs(name, () => BigInt(t.unixSeconds()) * 1000n + BigInt(Math.floor(t.nanos / 1e6)))
    case 'UnixMicro':
      return noArgs(name, () => BigInt(t.unixSeconds()) * 1_000_000n + BigInt(Math.floor(t.nanos / 1e3)))
    case 'UnixNano':
      // int64, wrapping as Go's does for times outside 1678..2262
      return noArgs(name, () => BigInt.asIntN(64, BigInt(t.unixSeconds()) * 1_000_000_000n + BigInt(t.nanos)))
    case 'Year':
      return noArgs(name, () => t.year)
    case 'Month':
      // a time.Month prints as its name
      return noArgs(name, () => LONG_MONTHS[t.month - 1])
    case 'Day':
      return noArgs(name, () => t.day)
    case 'Hour':
      return noArgs(name, () => t.hour)
    case 'Minute':
      return noArgs(name, () => t.minute)
    case 'Second':
      return noArgs(name, () => t.second)
    case 'Nanosecond':
      return noArgs(name, () => t.nanos)
    case 'YearDay':
      return noArgs(name, () => t.yearDay())
    case 'Weekday':
      // a time.Weekday prints as its name
      return noArgs(name, () => LONG_DAYS[t.weekday()])
    case 'UTC':
      return noArgs(name, () => t.inOffset(0))
    case 'IsZero':
      return noArgs(
        name,
        () =>
          t.year === 1 &&
          t.month === 1 &&
          t.day === 1 &&
          t.hour === 0 &&
          t.minute === 0 &&
          t.second === 0 &&
          t.nanos === 0,
      )
    case 'String':
      return noArgs(name, () => t.toString())
    default:
      return undefined
  }
}

function digestMethod(d: string, name: string): Method | undefined {
  const i = d.indexOf(':')
  switch (name) {
    case 'Algorithm':
      return noArgs(name, () => (i < 0 ? '' : d.slice(0, i)))
    case 'Encoded':
    case 'Hex':
      return noArgs(name, () => d.slice(i + 1))
    case 'String':
      return noArgs(name, () => d)
    default:
      return undefined
  }
}

/**
 * The method `name` of `receiver`, or undefined. `goType` is the declared Go type of a string field
 * (struct metadata), since a digest.Digest is a string in this model.
 */
export function methodOf(receiver: unknown, name: string, goType: string | undefined): Method | undefined {
  if (receiver instanceof GoTime) return timeMethod(receiver, name)
  if (typeof receiver === 'string' && goType === 'digest.Digest') return digestMethod(receiver, name)
  return undefined
}
