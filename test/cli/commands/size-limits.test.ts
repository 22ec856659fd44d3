/**
 * Every read into memory is bounded: a registry that answers a manifest GET (or a tag list, a token
 * request, an error) with 100 MB fails fast with skopeo's "exceeded maximum allowed size of N
 * bytes", reading only a little more than the limit, in little memory (the child's peak RSS from
 * /usr/bin/time -v); oversized manifests and configs in local stores (dir:, oci:) likewise.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { join } from 'node:path'
import { createWriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import tar from 'tar-stream'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { CLI_ARGS, ROOT, skiff } from '../run-skiff.js'

const MB = 1024 * 1024
const LIMIT = 4 * MB
const OCI = 'application/vnd.oci.image.manifest.v1+json'

interface Served {
  path: string
  started: number
  ended?: number
  bytes: number
}

/** A fake registry: /v2/ answers 200; `routes` answer with `total` bytes of filler, with or without Content-Length. */
async function startFake(
  routes: Record<
    string,
    { status?: number; total: number; contentLength: boolean; type?: string; headers?: Record<string, string> }
  >,
): Promise<{ host: string; served: Served[]; close(): Promise<void> }> {
  const served: Served[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    if (path === '/v2/' || path === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' })
      return res.end('{}')
    }
    const r = routes[path]
    if (!r) {
      res.writeHead(404, { 'content-type': 'application/json' })
      return res.end('{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}')
    }
    const entry: Served = { path, started: Date.now(), bytes: 0 }
    served.push(entry)
    const headers: Record<string, string> = { 'content-type': r.type ?? 'application/json', ...(r.headers ?? {}) }
    if (r.contentLength) headers['content-length'] = String(r.total)
    res.writeHead(r.status ?? 200, headers)
    const chunk = Buffer.alloc(64 * 1024, 0x20) // spaces: still "JSON" up to where it is cut
    const pump = (): void => {
      while (entry.bytes < r.total) {
        const n = Math.min(chunk.length, r.total - entry.bytes)
        entry.bytes += n
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once('drain', pump)
          return
        }
      }
      res.end()
    }
    res.on('close', () => (entry.ended = Date.now()))
    req.socket.on('close', () => (entry.ended ??= Date.now()))
    pump()
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    host: `127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      }),
  }
}

/** Runs the CLI under /usr/bin/time -v: exit code, stderr, peak RSS in bytes. */
function skiffMeasured(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stderr: string; maxRss: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', process.execPath, ...CLI_ARGS, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stdout.resume()
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)
      const exit = /Exit status: (\d+)/.exec(stderr)
      resolve({
        code: exit ? Number(exit[1]) : code,
        stderr: stderr.split('\n\tCommand being timed')[0]!,
        maxRss: m ? Number(m[1]) * 1024 : NaN,
      })
    })
  })
}

/**
 * The peak RSS the same command needs when the registry answers at once (404): Node and the CLI's
 * modules alone take ~100 MiB here (with tsx), so the bound is on what the big answer adds.
 */
let baselineRss = 0
async function baseline(host: string): Promise<number> {
  if (!baselineRss) {
    const r = await skiffMeasured(['inspect', '--tls-verify=false', `docker://${host}/missing:1`])
    assert.equal(r.code, 2, r.stderr)
    baselineRss = r.maxRss
  }
  return baselineRss
}
const extra = async (host: string, rss: number) => (rss - (await baseline(host))) / MB

describe('size limits on reads from a registry', () => {
  let fake: Awaited<ReturnType<typeof startFake>>
  before(async () => {
    fake = await startFake({
      '/v2/big/manifests/1': { total: 100 * MB, contentLength: true, type: OCI },
      '/v2/chunked/manifests/1': { total: 100 * MB, contentLength: false, type: OCI },
      '/v2/tags/tags/list': { total: 100 * MB, contentLength: false },
      '/v2/err/manifests/1': { status: 500, total: 100 * MB, contentLength: false },
    })
  })
  after(() => fake?.close())

  for (const [name, contentLength] of [
    ['big', 'with Content-Length'],
    ['chunked', 'without Content-Length'],
  ] as const) {
    it(`a 100 MB manifest (${contentLength}) fails fast with skopeo's wording, in little memory`, async () => {
      const before = fake.served.length
      const r = await skiffMeasured([
        'inspect',
        '--tls-verify=false',
        '--retry-times',
        '0',
        `docker://${fake.host}/${name}:1`,
      ])
      assert.equal(r.code, 1, r.stderr)
      assert.match(
        r.stderr,
        /^skiff: docker:\/\/127\.0\.0\.1:\d+\/\w+:1: reading manifest 1: exceeded maximum allowed size of 4194304 bytes$/m,
      )
      const more = await extra(fake.host, r.maxRss)
      assert.ok(more < 40, `peak RSS ${Math.round(r.maxRss / MB)} MiB, ${Math.round(more)} MiB more than a 404`)
      const s = fake.served.slice(before).filter((e) => e.path.includes('/manifests/'))
      assert.equal(s.length, 1, 'one GET, no retry of a hopeless answer')
      // the client stopped reading soon after the limit: at most the limit plus socket buffers were sent
      assert.ok(s[0]!.bytes < LIMIT + 24 * MB, `the server sent ${Math.round(s[0]!.bytes / MB)} MiB`)
      assert.ok(
        s[0]!.ended !== undefined && s[0]!.ended - s[0]!.started < 1000,
        `connection closed ${s[0]!.ended! - s[0]!.started} ms after the GET`,
      )
    })
  }

  it('skopeo fails on the same manifest with the same words', async () => {
    const r = await skopeo(['inspect', '--tls-verify=false', `docker://${fake.host}/chunked:1`])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /exceeded maximum allowed size of 4194304 bytes/)
  })

  it('a 100 MB tag-list page fails with the limit; a 100 MB error body is cut, the error still reported', async () => {
    const tags = await skiffMeasured(['list-tags', '--tls-verify=false', `docker://${fake.host}/tags`])
    assert.equal(tags.code, 1, tags.stderr)
    assert.match(tags.stderr, /listing tags: exceeded maximum allowed size of 33554432 bytes/)
    const more = await extra(fake.host, tags.maxRss)
    assert.ok(more < 90, `peak RSS ${Math.round(tags.maxRss / MB)} MiB, ${Math.round(more)} MiB more than a 404`)
    const err = await skiffMeasured([
      'inspect',
      '--tls-verify=false',
      '--retry-times',
      '0',
      `docker://${fake.host}/err:1`,
    ])
    assert.equal(err.code, 1, err.stderr)
    assert.match(err.stderr, /reading manifest 1: registry error \(HTTP 500/)
    const more2 = await extra(fake.host, err.maxRss)
    assert.ok(more2 < 40, `peak RSS ${Math.round(err.maxRss / MB)} MiB, ${Math.round(more2)} MiB more than a 404`)
    const s = fake.served.filter((e) => e.path === '/v2/err/manifests/1')
    assert.ok(
      s.every((e) => e.bytes < 1 * MB + 24 * MB),
      `error bodies sent: ${s.map((e) => e.bytes)}`,
    )
  })
})

describe('size limits on a token answer', () => {
  let tokenSrv: Awaited<ReturnType<typeof startFake>>
  let reg: Server
  let host = ''
  before(async () => {
    tokenSrv = await startFake({ '/token': { total: 50 * MB, contentLength: false } })
    reg = createServer((req, res) => {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${tokenSrv.host}/token",service="fake"`,
        'content-type': 'application/json',
      })
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
    })
    await new Promise<void>((resolve) => reg.listen(0, '127.0.0.1', resolve))
    host = `127.0.0.1:${(reg.address() as AddressInfo).port}`
  })
  after(async () => {
    await tokenSrv?.close()
    reg?.closeAllConnections()
    await new Promise((r) => reg?.close(r))
  })

  it('fails with the 1 MiB limit', async () => {
    const r = await skiffMeasured(['inspect', '--tls-verify=false', `docker://${host}/x:1`])
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /reading the token answer from .*: exceeded maximum allowed size of 1048576 bytes/)
    const more = (r.maxRss - baselineRss) / MB
    assert.ok(
      !baselineRss || more < 40,
      `peak RSS ${Math.round(r.maxRss / MB)} MiB, ${Math.round(more)} MiB more than a 404`,
    )
  })
})

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** A dir: image whose config carries `configPad` bytes of label and whose manifest carries `manifestPad` spaces. */
async function writeDirImage(
  dir: string,
  opts: { configPad?: number; manifestPad?: number; docker?: boolean },
): Promise<void> {
  await mkdir(dir, { recursive: true })
  const layer = Buffer.alloc(1024) // an empty tar: two zero blocks
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { pad: 'x'.repeat(opts.configPad ?? 0) } },
      rootfs: { type: 'layers', diff_ids: [sha(layer)] },
    }),
  )
  const manifest = Buffer.from(
    JSON.stringify(
      opts.docker
        ? {
            schemaVersion: 2,
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            config: {
              mediaType: 'application/vnd.docker.container.image.v1+json',
              digest: sha(config),
              size: config.length,
            },
            layers: [
              { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: sha(layer), size: layer.length },
            ],
          }
        : {
            schemaVersion: 2,
            mediaType: OCI,
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
          },
    ) + ' '.repeat(opts.manifestPad ?? 0),
  )
  await writeFile(join(dir, 'version'), 'Directory Transport Version: 1.1\n')
  await writeFile(join(dir, 'manifest.json'), manifest)
  await writeFile(join(dir, sha(config).slice(7)), config)
  await writeFile(join(dir, sha(layer).slice(7)), layer)
}

describe('size limits on local stores', () => {
  it('dir: a 5 MiB manifest and a 5 MiB config are refused with the limit; 3 MiB ones are fine', async () => {
    await withTempDir(async (tmp) => {
      await writeDirImage(join(tmp, 'bigm'), { manifestPad: 5 * MB })
      const m = await skiff(['inspect', `dir:${join(tmp, 'bigm')}`])
      assert.equal(m.code, 1, m.stderr)
      assert.match(m.stderr, /reading manifest\.json: exceeded maximum allowed size of 4194304 bytes/)
      await writeDirImage(join(tmp, 'bigc'), { configPad: 5 * MB })
      const c = await skiff(['inspect', `dir:${join(tmp, 'bigc')}`])
      assert.equal(c.code, 1, c.stderr)
      assert.match(c.stderr, /config sha256:[0-9a-f]{64}.*exceeded maximum allowed size of 4194304 bytes/)
      // the copy engine converts Docker configs to OCI in memory: the same limit
      await writeDirImage(join(tmp, 'bigd'), { configPad: 5 * MB, docker: true })
      const cp = await skiff([
        '--insecure-policy',
        'copy',
        '--format',
        'oci',
        `dir:${join(tmp, 'bigd')}`,
        `dir:${join(tmp, 'out')}`,
      ])
      assert.equal(cp.code, 1, cp.stderr)
      assert.match(cp.stderr, /exceeded maximum allowed size of 4194304 bytes/)
      await writeDirImage(join(tmp, 'ok'), { configPad: 3 * MB, manifestPad: 3 * MB })
      const ok = await skiff(['inspect', `dir:${join(tmp, 'ok')}`])
      assert.equal(ok.code, 0, ok.stderr)
    })
  })

  it('oci: a 5 MiB manifest blob is refused with the limit', async () => {
    await withTempDir(async (tmp) => {
      const d = join(tmp, 'd')
      await writeDirImage(d, { manifestPad: 5 * MB })
      const { readFile } = await import('node:fs/promises')
      const manifest = await readFile(join(d, 'manifest.json'))
      const l = join(tmp, 'layout')
      await mkdir(join(l, 'blobs', 'sha256'), { recursive: true })
      await writeFile(join(l, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
      await writeFile(join(l, 'blobs', 'sha256', sha(manifest).slice(7)), manifest)
      await writeFile(
        join(l, 'index.json'),
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: OCI,
              digest: sha(manifest),
              size: manifest.length,
              annotations: { 'org.opencontainers.image.ref.name': 'v1' },
            },
          ],
        }),
      )
      const r = await skiff(['inspect', `oci:${l}:v1`])
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, /exceeded maximum allowed size of 4194304 bytes/)
    })
  })

  it('docker-archive: a 5 MiB config is refused with the limit, as skopeo does', async () => {
    await withTempDir(async (tmp) => {
      const file = join(tmp, 'big.tar')
      const layer = Buffer.alloc(1024)
      const config = JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { pad: 'x'.repeat(5 * MB) } },
        rootfs: { type: 'layers', diff_ids: [sha(layer)] },
      })
      const pack = tar.pack()
      const out = createWriteStream(file)
      pack.pipe(out)
      pack.entry(
        { name: 'manifest.json' },
        JSON.stringify([{ Config: 'c.json', RepoTags: ['x:1'], Layers: ['l.tar'] }]),
      )
      pack.entry({ name: 'c.json' }, config)
      pack.entry({ name: 'l.tar' }, layer)
      pack.finalize()
      await finished(out)
      const r = await skiff(['inspect', `docker-archive:${file}`])
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, /reading image config "c\.json": exceeded maximum allowed size of 4194304 bytes/)
      const sk = await skopeo(['inspect', `docker-archive:${file}`])
      assert.equal(sk.code, 1)
      assert.match(sk.stderr, /exceeded maximum allowed size of 4194304 bytes/)
    })
  })
})
