// Regenerates examples/hello: a tiny two-platform-free OCI image used by the README's offline demo.
// Run: node --import tsx scripts/make-example.ts
import { rm } from 'node:fs/promises'
import { writeOciImage } from '../test/helpers/fixtures.js'

const dir = new URL('../examples/hello', import.meta.url).pathname
await rm(dir, { recursive: true, force: true })
const img = await writeOciImage(dir, 'latest', {
  layers: [
    { files: { 'hello.txt': 'Hello from skiff!\n', 'etc/os-release': 'NAME=hello\nID=hello\n' } },
    { files: { 'usr/share/doc/hello/README': 'A tiny image shipped with skiff for offline demos.\n' } },
  ],
  labels: { 'org.opencontainers.image.title': 'hello', 'org.opencontainers.image.description': 'skiff demo image' },
  env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'GREETING=hello'],
  created: '2026-01-01T00:00:00Z',
})
console.log(`examples/hello:latest ${img.manifestDigest}`)
