/**
 * A Node built-in loaded on first use instead of at import. For modules every process imports but
 * few use (child_process for credential helpers and xz/bzip2, tls for https only): loading them
 * costs start-up time in every `skiff inspect`/`copy` process (child_process alone brings net and
 * dgram).
 */
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let m: T | undefined
  return () => (m ??= load(name) as T)
}
