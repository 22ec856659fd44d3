/** GET of a paginated list (`/tags/list`, `/_catalog`), following `Link: <…>; rel="next"`. */
import { SkiffError } from '../errors.js'
import type { RegistryClient } from './client.js'
import { registryErrorFrom } from './errors.js'
import { header, readBody, readErrorText } from './http.js'
import { MAX_LIST_PAGE_SIZE, sizeLimitMessage } from '../util/limits.js'
import type { RetryBudget } from '../util/retry.js'

/** The `rel="next"` target of a Link header, if any. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part)
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2]!)) return m[1]
  }
  return undefined
}

export async function listPaginated(
  client: RegistryClient,
  path: string,
  field: 'tags' | 'repositories',
  ctx: {
    scopes: string[]
    repo?: string
    image: string
    what: string
    notFound: 'image' | 'other'
    signal?: AbortSignal
    maxPages?: number
    retry?: RetryBudget
  },
): Promise<string[]> {
  const out: string[] = []
  let url = new URL(path, await client.baseUrl(ctx.signal, ctx.retry))
  const seen = new Set<string>()
  for (let page = 0; page < (ctx.maxPages ?? 100_000); page++) {
    seen.add(url.href)
    const named = (e: unknown): unknown =>
      e instanceof SkiffError && !e.message.includes(ctx.image)
        ? new SkiffError(e.code, `${ctx.image}: ${e.message}`, { cause: e, image: ctx.image })
        : e
    const tooLarge = () =>
      new SkiffError('ERR_REGISTRY', `${ctx.image}: ${ctx.what}: ${sizeLimitMessage(MAX_LIST_PAGE_SIZE)}`, {
        image: ctx.image,
      })
    const res = await client
      .request({
        method: 'GET',
        url,
        scopes: ctx.scopes,
        maxBodySize: MAX_LIST_PAGE_SIZE,
        tooLarge,
        ...(ctx.repo ? { repo: ctx.repo } : {}),
        followRedirects: true,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.retry ? { retry: ctx.retry } : {}),
      })
      .catch((e: unknown) => {
        throw named(e)
      })
    if (res.status !== 200) {
      const text = await readErrorText(res)
      const auth =
        res.status === 401 || res.status === 403 ? await client.authFacts(ctx.repo, ctx.scopes, res) : undefined
      throw registryErrorFrom(res.status, text, {
        image: ctx.image,
        what: ctx.what,
        notFound: ctx.notFound,
        registry: client.registry,
        ...(auth ? { auth } : {}),
      })
    }
    const text = (
      await readBody(res).catch((e: unknown) => {
        throw named(e)
      })
    ).toString('utf8')
    let j: Record<string, unknown>
    try {
      j = JSON.parse(text) as Record<string, unknown>
    } catch {
      throw new SkiffError('ERR_REGISTRY', `${ctx.image}: ${ctx.what}: the registry answered with invalid JSON`)
    }
    const items = j[field]
    if (Array.isArray(items)) for (const t of items) if (typeof t === 'string') out.push(t)
    const next = nextLink(header(res.headers, 'link'))
    if (!next) return out
    const nu = new URL(next, url)
    if (seen.has(nu.href)) return out
    url = nu
  }
  return out
}
