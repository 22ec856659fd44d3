/**
 * Debug logging for the registry client. Every line goes through `debugLog`, which redacts
 * credentials (Authorization headers, tokens, passwords in URLs and JSON) before anything is written.
 */
type Sink = (line: string) => void

let sink: Sink | undefined

/** Sets (or clears) where registry debug lines go, e.g. stderr for --debug. */
export function setRegistryDebugLog(s: Sink | undefined): void {
  sink = s
}

export function debugEnabled(): boolean {
  return sink !== undefined
}

const SECRET_KEYS = /("(?:token|access_token|refresh_token|identitytoken|password|auth|registrytoken)"\s*:\s*")[^"]*(")/gi
const AUTH_HEADER = /(\b(?:proxy-)?authorization"?\s*[:=]\s*"?)(?:(basic|bearer)\s+)?[^\s",}]+/gi
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi
const QUERY_SECRETS = /([?&](?:access_token|refresh_token|token|password|X-Amz-Signature|X-Amz-Credential|sig|signature)=)[^&\s"]+/gi

/** Removes anything that looks like a credential from a log line. */
export function redact(line: string): string {
  return line
    .replace(SECRET_KEYS, '$1<redacted>$2')
    .replace(AUTH_HEADER, (_m, head: string, scheme: string | undefined) => `${head}${scheme ? `${scheme} ` : ''}<redacted>`)
    .replace(URL_USERINFO, '$1<redacted>@')
    .replace(QUERY_SECRETS, '$1<redacted>')
}

/** Writes one redacted debug line, when debug logging is on. `f` is only called then. */
export function debugLog(f: () => string): void {
  if (!sink) return
  sink(redact(f()))
}
