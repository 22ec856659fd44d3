/**
 * Go's time.ParseDuration / Duration.String, for --command-timeout and --retry-delay:
 * "1h2m3.5s", "300ms", "1.5h", "-2m", "0". Values are milliseconds (fractions allowed).
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

/** Parses a Go duration into milliseconds; throws Error with Go's message on bad input. */
export function parseGoDuration(input: string): number {
  const q = JSON.stringify(input)
  let s = input
  let sign = 1
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') throw new Error(`time: invalid duration ${q}`)
  let total = 0
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!
    const whole = num[1] ?? ''
    const frac = num[2]
    if (whole === '' && (frac === undefined || frac === '')) throw new Error(`time: invalid duration ${q}`)
    s = s.slice(num[0].length)
    const unit = /^[^\d.]+/.exec(s)?.[0]
    if (unit === undefined) throw new Error(`time: missing unit in duration ${q}`)
    const ms = UNIT_MS[unit]
    if (ms === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${q}`)
    s = s.slice(unit.length)
    total += Number(`${whole || '0'}.${frac || '0'}`) * ms
  }
  if (total > 9_223_372_036_854.775) throw new Error(`time: invalid duration ${q}`)
  return sign * total
}

/** Formats milliseconds as Go's Duration.String does for whole-millisecond values: 1h2m3.5s, 300ms, 0s. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  const neg = ms < 0
  let rest = Math.abs(ms)
  let out: string
  if (rest < 1000) {
    out = `${+rest.toFixed(6)}ms`
  } else {
    const h = Math.floor(rest / 3_600_000)
    rest -= h * 3_600_000
    const m = Math.floor(rest / 60_000)
    rest -= m * 60_000
    const s = +(rest / 1000).toFixed(9)
    out = (h ? `${h}h` : '') + (h || m ? `${m}m` : '') + `${s}s`
  }
  return neg ? `-${out}` : out
}
