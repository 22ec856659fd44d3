/** Request headers as a plain lower-case record (what every interceptor here passes on). */
import type { Dispatcher } from 'undici'

export type Headers = Record<string, string>

/** undici's header forms (record, flat array, iterable of pairs) as a lower-case record. */
export function headerRecord(h: Dispatcher.DispatchOptions['headers']): Headers {
  const out: Headers = {}
  if (!h) return out
  if (Array.isArray(h)) {
    if (h.length && Array.isArray(h[0])) {
      for (const [k, v] of h as unknown as [string, string][]) out[k.toLowerCase()] = String(v)
    } else {
      for (let i = 0; i + 1 < h.length; i += 2) out[String(h[i]).toLowerCase()] = String(h[i + 1])
    }
    return out
  }
  const entries: Iterable<[string, unknown]> =
    typeof (h as Iterable<unknown>)[Symbol.iterator] === 'function'
      ? (h as Iterable<[string, unknown]>)
      : Object.entries(h as Record<string, unknown>)
  for (const [k, v] of entries) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v)
  return out
}

/** The headers with `name` set (`replace` false: only when absent). */
export function withHeader(
  h: Dispatcher.DispatchOptions['headers'],
  name: string,
  value: string,
  replace = true,
): Headers {
  const out = headerRecord(h)
  if (replace || out[name] === undefined) out[name] = value
  return out
}

/** The headers without `names`. */
export function withoutHeaders(h: Dispatcher.DispatchOptions['headers'], ...names: string[]): Headers {
  const out = headerRecord(h)
  for (const n of names) delete out[n]
  return out
}
