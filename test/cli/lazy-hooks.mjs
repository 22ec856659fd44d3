// Test-only module hooks (registered by lazy-register.mjs): appends every resolved module URL to
// $SKIFF_RESOLVED_LOG, so a test can tell which modules a real CLI run loaded.
import { appendFileSync } from 'node:fs'

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  if (process.env.SKIFF_RESOLVED_LOG) appendFileSync(process.env.SKIFF_RESOLVED_LOG, `${r.url}\n`)
  return r
}
