/**
 * Debug logging for the registry client. A `DebugLog` belongs to one context (src/registry/context.ts):
 * every line goes through it, and it redacts credentials (Authorization headers, tokens, passwords
 * in URLs and JSON) before anything is written. `f` is only called when logging is on.
 */
export type DebugLog = (f: () => string) => void

/** Where redacted debug lines go (e.g. stderr for --debug). */
export type DebugSink = (line: string) => void

/** A log that writes nothing (and never formats a line). */
export const noDebugLog: DebugLog = () => {}

/** A log writing redacted lines to `sink`; without a sink, noDebugLog. */
export function debugLogTo(sink: DebugSink | undefined): DebugLog {
  if (!sink) return noDebugLog
  return (f) => sink(redact(f()))
}

const SECRET_KEYS =
  /("(?:token|access_token|refresh_token|identitytoken|password|auth|registrytoken)"\s*:\s*")[^"]*(")/gi
const AUTH_HEADER = /(\b(?:proxy-)?authorization"?\s*[:=]\s*"?)(?:(basic|bearer)\s+)?[^\s",}]+/gi
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi
const QUERY_SECRETS =
  /([?&](?:access_token|refresh_token|token|password|X-Amz-Signature|X-Amz-Credential|sig|signature)=)[^&\s"]+/gi

/** Removes anything that looks like a credential from a log line. */
export function redact(line: string): string {
  return line
    .replace(SECRET_KEYS, '$1<redacted>$2')
    .replace(
      AUTH_HEADER,
      (_m, head: string, scheme: string | undefined) => `${head}${scheme ? `${scheme} ` : ''}<redacted>`,
    )
    .replace(URL_USERINFO, '$1<redacted>@')
    .replace(QUERY_SECRETS, '$1<redacted>')
}
