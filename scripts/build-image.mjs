#!/usr/bin/env node
// `npm run build:image`: skiff's own container image, written by skiff from files: no base image
// pulled, no Docker. One layer holds
//   /usr/local/bin/skiff                 the single executable (dist/exe/skiff-linux-x64)
//   the shared libraries it links        glibc, libstdc++, libgcc_s, from this machine (ldd)
//   /etc/ssl/certs/ca-certificates.crt   this machine's CA bundle (Debian's ca-certificates)
//   /etc/passwd, /etc/group              root and the non-root user skiff (65532), who runs it
//   /etc/nsswitch.conf, /tmp, /home/skiff
// The layer and config are written through skiff's library (the oci: destination: putBlob,
// putManifest, commit), then skiff copies the layout to an oci-archive:
//   dist/image/oci           OCI layout, ref names VERSION and latest
//   dist/image/skiff.tar     oci-archive of the same image
// Deterministic: every file has mtime 0 and sorted order, so the same inputs give the same digest.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import tar from 'tar-stream'
import { VERSION, copyImage, insecureAcceptAnythingPolicy, parseImageName } from '../dist/lib/index.js'

const EXE = 'dist/exe/skiff-linux-x64'
const CA = '/etc/ssl/certs/ca-certificates.crt'
const OUT = 'dist/image'
const UID = 65532

for (const [path, hint] of [
  [EXE, 'run "npm run build:exe" first'],
  [CA, 'install the CA bundle: apt-get install -y ca-certificates'],
]) {
  if (!existsSync(path)) {
    process.stderr.write(`build-image: ${path} is missing: ${hint}\n`)
    process.exit(1)
  }
}

/** The libraries the executable loads, as `ldd` names them (the path the loader looks for) → the real file. */
function sharedLibraries(exe) {
  const out = execFileSync('ldd', [exe], { encoding: 'utf8' })
  const libs = new Map()
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line)
    if (m) libs.set(m[1], realpathSync(m[1]))
  }
  if (![...libs.keys()].some((p) => p.includes('ld-linux'))) throw new Error(`ldd ${exe}: no dynamic loader found`)
  return libs
}

const dirs = ['etc', 'etc/ssl', 'etc/ssl/certs', 'home', 'tmp', 'usr', 'usr/local', 'usr/local/bin']
const files = new Map([
  ['usr/local/bin/skiff', { data: readFileSync(EXE), mode: 0o755 }],
  [CA.slice(1), { data: readFileSync(CA), mode: 0o644 }],
  [
    'etc/passwd',
    {
      data: `root:x:0:0:root:/root:/sbin/nologin\nskiff:x:${UID}:${UID}:skiff:/home/skiff:/sbin/nologin\n`,
      mode: 0o644,
    },
  ],
  ['etc/group', { data: `root:x:0:\nskiff:x:${UID}:\n`, mode: 0o644 }],
  ['etc/nsswitch.conf', { data: 'passwd: files\ngroup: files\nhosts: files dns\n', mode: 0o644 }],
])
for (const [name, real] of sharedLibraries(EXE)) {
  const rel = name.slice(1)
  for (let d = rel.slice(0, rel.lastIndexOf('/')); d; d = d.slice(0, Math.max(0, d.lastIndexOf('/'))))
    if (!dirs.includes(d)) dirs.push(d)
  files.set(rel, { data: readFileSync(real), mode: statSync(real).mode & 0o777 })
}

/** The layer: an uncompressed tar, sorted, mtime 0, owned by root except the user's home. */
async function layerTar() {
  const pack = tar.pack()
  const chunks = []
  pack.on('data', (c) => chunks.push(c))
  const ended = new Promise((r) => pack.on('end', r))
  const entry = (h, data) =>
    new Promise((r, j) => pack.entry({ mtime: new Date(0), uid: 0, gid: 0, ...h }, data, (e) => (e ? j(e) : r())))
  for (const d of [...dirs].sort())
    await entry({ name: `${d}/`, type: 'directory', mode: d === 'tmp' ? 0o1777 : 0o755 })
  await entry({ name: 'home/skiff/', type: 'directory', mode: 0o755, uid: UID, gid: UID })
  for (const [name, f] of [...files].sort(([a], [b]) => (a < b ? -1 : 1)))
    await entry({ name, mode: f.mode }, Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data))
  pack.finalize()
  await ended
  return Buffer.concat(chunks)
}

const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const started = Date.now()
const raw = await layerTar()
const layer = gzipSync(raw)
const created = '1970-01-01T00:00:00Z'
const config = Buffer.from(
  JSON.stringify({
    created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: `${UID}:${UID}`,
      Entrypoint: ['/usr/local/bin/skiff'],
      Cmd: ['--help'],
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', `SSL_CERT_FILE=${CA}`, 'HOME=/home/skiff'],
      WorkingDir: '/home/skiff',
      Labels: {
        'org.opencontainers.image.title': 'skiff',
        'org.opencontainers.image.version': VERSION,
        'org.opencontainers.image.description': "skiff: skopeo's command line as one executable",
      },
    },
    rootfs: { type: 'layers', diff_ids: [sha(raw)] },
    history: [{ created, created_by: 'skiff scripts/build-image.mjs' }],
  }),
)
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
  }),
)

rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })
const layout = resolve(OUT, 'oci')
const dest = await parseImageName(`oci:${layout}:${VERSION}`).newImageDestination({})
try {
  await dest.putBlob(Readable.from([layer]), { digest: sha(layer), size: layer.length })
  await dest.putBlob(Readable.from([config]), { digest: sha(config), size: config.length }, { isConfig: true })
  await dest.putManifest(manifest, 'application/vnd.oci.image.manifest.v1+json')
  await dest.commit()
} finally {
  await dest.close()
}
const policy = insecureAcceptAnythingPolicy()
await copyImage(`oci:${layout}:${VERSION}`, `oci:${layout}:latest`, { policy })
await copyImage(`oci:${layout}:${VERSION}`, `oci-archive:${resolve(OUT, 'skiff.tar')}:${VERSION}`, { policy })
const mib = (n) => (n / 2 ** 20).toFixed(1)
process.stderr.write(
  `build-image: ${join(OUT, 'oci')} (${VERSION}, latest) and ${join(OUT, 'skiff.tar')}: ${sha(manifest)}, ` +
    `layer ${mib(layer.length)} MiB (${mib(raw.length)} MiB unpacked), ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
)
