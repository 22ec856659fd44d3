/**
 * A tiny in-memory registry (node:http on 127.0.0.1) with the OCI 1.1 referrers API, for the one
 * protocol path docker-registry 2.8 lacks: `GET /v2/<name>/referrers/<digest>` lists the manifests
 * pushed with that `subject` (an OCI index; `?artifactType=` filters), and a manifest PUT with a
 * subject answers `OCI-Subject`. Besides that: ping, manifests by tag or digest (GET/HEAD/PUT), blobs
 * (GET/HEAD), uploads (POST, PATCH, PUT ?digest= verified; mounts answered as plain uploads), tag
 * lists. No auth, no TLS, no deletes. Tests of everything else use the real docker-registry.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReferrersRegistry {
  host: string
  url: string
  /** Every request, `METHOD path` (query included). */
  requests: string[]
  /** The tags of a repository. */
  tags(repo: string): string[]
  /** Blobs served with their first byte flipped (a registry that went bad), by digest. */
  corrupt: Set<string>
  close(): Promise<void>
}

interface Repo {
  manifests: Map<string, { bytes: Buffer; mediaType: string }>
  tags: Map<string, string>
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

export async function startReferrersRegistry(): Promise<ReferrersRegistry> {
  const blobs = new Map<string, Buffer>()
  const uploads = new Map<string, Buffer[]>()
  const repos = new Map<string, Repo>()
  const requests: string[] = []
  const corrupt = new Set<string>()
  const repo = (name: string): Repo => {
    let r = repos.get(name)
    if (!r) repos.set(name, (r = { manifests: new Map(), tags: new Map() }))
    return r
  }
  const fail = (res: ServerResponse, status: number, code: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x')
    const method = req.method ?? 'GET'
    requests.push(`${method} ${url.pathname}${url.search}`)
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' })
      return void res.end('{}')
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs|referrers|tags)\/(.*)$/.exec(url.pathname)
    if (!m) return fail(res, 404, 'NOT_FOUND')
    const [, name, kind, rest] = m as unknown as [string, string, string, string]
    const r = repo(name)
    if (kind === 'manifests') {
      const ref = decodeURIComponent(rest)
      if (method === 'PUT') {
        const bytes = await body(req)
        const d = sha256(bytes)
        const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!
        r.manifests.set(d, { bytes, mediaType })
        if (!ref.includes(':')) r.tags.set(ref, d)
        const subject = (JSON.parse(bytes.toString()) as { subject?: { digest?: string } }).subject?.digest
        res.writeHead(201, {
          location: `/v2/${name}/manifests/${d}`,
          'docker-content-digest': d,
          ...(subject ? { 'oci-subject': subject } : {}),
        })
        return void res.end()
      }
      const d = ref.includes(':') ? ref : r.tags.get(ref)
      const found = d ? r.manifests.get(d) : undefined
      if (!found || !d) return fail(res, 404, 'MANIFEST_UNKNOWN')
      res.writeHead(200, {
        'content-type': found.mediaType,
        'content-length': found.bytes.length,
        'docker-content-digest': d,
      })
      return void res.end(method === 'HEAD' ? undefined : found.bytes)
    }
    if (kind === 'referrers') {
      const subject = decodeURIComponent(rest)
      const filter = url.searchParams.get('artifactType')
      const manifests = []
      for (const [d, { bytes, mediaType }] of r.manifests) {
        const o = JSON.parse(bytes.toString()) as {
          subject?: { digest?: string }
          artifactType?: string
          config?: { mediaType?: string }
          annotations?: Record<string, string>
        }
        if (o.subject?.digest !== subject) continue
        const artifactType = o.artifactType ?? o.config?.mediaType
        if (filter && artifactType !== filter) continue
        manifests.push({
          mediaType,
          digest: d,
          size: bytes.length,
          ...(artifactType ? { artifactType } : {}),
          ...(o.annotations ? { annotations: o.annotations } : {}),
        })
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' })
      return void res.end(
        JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
      )
    }
    if (kind === 'tags') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ name, tags: [...r.tags.keys()] }))
    }
    // blobs and uploads
    if (rest.startsWith('uploads/')) {
      const id = rest.slice('uploads/'.length)
      if (method === 'POST') {
        await body(req)
        const uuid = randomUUID()
        uploads.set(uuid, [])
        res.writeHead(202, { location: `/v2/${name}/blobs/uploads/${uuid}`, range: '0-0', 'content-length': 0 })
        return void res.end()
      }
      const parts = uploads.get(id)
      if (!parts) return fail(res, 404, 'BLOB_UPLOAD_UNKNOWN')
      if (method === 'DELETE') {
        uploads.delete(id)
        res.writeHead(204)
        return void res.end()
      }
      parts.push(await body(req))
      if (method === 'PATCH') {
        const n = parts.reduce((a, b) => a + b.length, 0)
        res.writeHead(202, { location: `/v2/${name}/blobs/uploads/${id}`, range: `0-${Math.max(0, n - 1)}` })
        return void res.end()
      }
      const all = Buffer.concat(parts)
      const want = url.searchParams.get('digest')
      if (!want || sha256(all) !== want) return fail(res, 400, 'DIGEST_INVALID')
      uploads.delete(id)
      blobs.set(want, all)
      res.writeHead(201, { location: `/v2/${name}/blobs/${want}`, 'docker-content-digest': want })
      return void res.end()
    }
    const stored = blobs.get(decodeURIComponent(rest))
    if (!stored) return fail(res, 404, 'BLOB_UNKNOWN')
    const blob = corrupt.has(decodeURIComponent(rest)) ? Buffer.from([stored[0]! ^ 1, ...stored.subarray(1)]) : stored
    res.writeHead(200, { 'content-length': blob.length, 'content-type': 'application/octet-stream' })
    return void res.end(method === 'HEAD' ? undefined : blob)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => fail(res, 500, 'UNKNOWN'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    corrupt,
    tags: (name) => [...(repos.get(name)?.tags.keys() ?? [])].sort(),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })),
  }
}

/** Pushes an artifact by hand (blobs then the manifest, by digest or `tag`), as another tool would. */
export async function pushRaw(
  base: string,
  name: string,
  manifest: object,
  blobs: Buffer[],
  tag?: string,
): Promise<{ digest: string; bytes: Buffer }> {
  for (const b of blobs) {
    const start = await fetch(`${base}/v2/${name}/blobs/uploads/`, { method: 'POST' })
    if (start.status !== 202) throw new Error(`upload start: ${start.status}`)
    const loc = new URL(start.headers.get('location')!, base)
    loc.searchParams.set('digest', sha256(b))
    const put = await fetch(loc, {
      method: 'PUT',
      body: new Uint8Array(b),
      headers: { 'content-type': 'application/octet-stream' },
    })
    if (put.status !== 201) throw new Error(`blob put: ${put.status} ${await put.text()}`)
  }
  const bytes = Buffer.from(JSON.stringify(manifest))
  const digest = sha256(bytes)
  const mediaType = (manifest as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json'
  const put = await fetch(`${base}/v2/${name}/manifests/${tag ?? digest}`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': mediaType },
  })
  if (put.status !== 201) throw new Error(`manifest put: ${put.status} ${await put.text()}`)
  return { digest, bytes }
}
