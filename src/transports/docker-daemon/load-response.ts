/**
 * The daemon's answer to `POST /images/load`: a JSON message stream (`{"stream":"Loaded image:
 * x\n"}`, progress, or `{"errorDetail":{"message":…},"error":…}`), one object per line.
 */
export interface LoadResult {
  /** What the daemon reported loading ("Loaded image: NAME:TAG", "Loaded image ID: sha256:…"). */
  loaded: string[]
  /** The first error the daemon reported, if any. */
  error?: string
}

interface JsonMessage {
  stream?: unknown
  status?: unknown
  error?: unknown
  errorDetail?: { message?: unknown }
}

export function parseLoadResponse(body: string): LoadResult {
  const out: LoadResult = { loaded: [] }
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '') continue
    let m: JsonMessage
    try {
      m = JSON.parse(line) as JsonMessage
    } catch {
      // Not JSON (a daemon answering in plain text): keep it as the error if nothing better comes.
      out.error ??= line.slice(0, 300)
      continue
    }
    const detail = m.errorDetail?.message
    if (typeof detail === 'string' && detail !== '') out.error ??= detail
    else if (typeof m.error === 'string' && m.error !== '') out.error ??= m.error
    if (typeof m.stream === 'string') {
      const s = m.stream.trim()
      if (s.startsWith('Loaded image')) out.loaded.push(s)
    }
  }
  return out
}
