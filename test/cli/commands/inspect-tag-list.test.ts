/**
 * inspect on a registry that refuses the tag list: skopeo skips RepoTags (null) with a warning when
 * the first error is DENIED (ECR without ecr:ListImages) or an unknown code saying "404 page not
 * found" (public.ecr.aws), and fails on any other error. skiff against skopeo through a proxy that
 * answers /tags/list itself.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startProxy, startRegistry, type Registry, type RegistryProxy } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { run } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

const TAGS = { method: 'GET', path: /\/tags\/list$/ }

describe('inspect docker:// when the registry refuses the tag list', () => {
  let reg: Registry
  let home: string
  const proxies: RegistryProxy[] = []
  before(async () => {
    reg = await startRegistry()
    home = await mkdtemp(join(tmpdir(), 'skiff-inspect-tags-'))
    await writeOciImage(join(home, 'layout'), 'v1', smallImage('tag-list'))
    const p = await skiff([
      'copy',
      '-q',
      '--dest-tls-verify=false',
      `oci:${join(home, 'layout')}:v1`,
      `docker://${reg.host}/a/b:v1`,
    ])
    assert.equal(p.code, 0, p.stderr)
  })
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()))
    await reg?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })
  const both = async (status: number, code: string, message: string) => {
    const proxy = await startProxy(reg.url, { refuse: { status, body: { errors: [{ code, message }] }, match: TAGS } })
    proxies.push(proxy)
    const ref = `docker://${proxy.host}/a/b:v1`
    const ours = await skiff(['inspect', '--tls-verify=false', ref])
    const theirs = await run('skopeo', ['inspect', '--tls-verify=false', ref])
    assert.ok(
      proxy.requests().some((e) => e.fault === 'refused'),
      'the tag list was asked for',
    )
    // each case has its own proxy port: name the registry HOST so outputs of two cases compare
    const named = <R extends { stdout: string }>(r: R): R => ({ ...r, stdout: r.stdout.replaceAll(proxy.host, 'HOST') })
    return { ours: named(ours), theirs: named(theirs) }
  }

  const withoutLayersData = (stdout: string) => {
    const o = JSON.parse(stdout) as Record<string, unknown>
    delete o.LayersData // skiff's (and upstream skopeo's) field; Debian's skopeo 1.9.3 has none
    return o
  }
  let skopeoOutput: Record<string, unknown> | undefined

  it('403 DENIED (ECR without ecr:ListImages): a warning, RepoTags null, the rest as skopeo', async () => {
    const { ours, theirs } = await both(403, 'DENIED', 'not authorized to perform: ecr:ListImages')
    assert.equal(theirs.code, 0, theirs.stderr)
    assert.equal(ours.code, 0, ours.stderr)
    assert.match(theirs.stderr, /Registry disallows tag list retrieval; skipping/)
    assert.match(ours.stderr, /level=warning msg="Registry disallows tag list retrieval; skipping"/)
    assert.match(ours.stdout, /"RepoTags": null,/)
    skopeoOutput = withoutLayersData(theirs.stdout)
    assert.deepEqual(withoutLayersData(ours.stdout), skopeoOutput)
  })

  it('404 NOT_FOUND "404 page not found" (public.ecr.aws): a warning as upstream skopeo; 1.9.3 still fails', async () => {
    const { ours, theirs } = await both(404, 'NOT_FOUND', '404 page not found')
    // skopeo 1.9.3 predates the fix of containers/skopeo#1230; upstream's inspect.go skips this case
    assert.equal(theirs.code, 1, theirs.stdout)
    assert.match(theirs.stderr, /Error determining repository tags: .*404/)
    assert.equal(ours.code, 0, ours.stderr)
    assert.match(ours.stderr, /level=warning msg="Registry disallows tag list retrieval; skipping"/)
    assert.ok(skopeoOutput, 'the DENIED case ran first')
    assert.deepEqual(withoutLayersData(ours.stdout), skopeoOutput)
  })

  for (const [status, code, message] of [
    [404, 'NOT_FOUND', 'no such endpoint'],
    [400, 'UNSUPPORTED', '404 page not found'],
  ] as const) {
    it(`${status} ${code} "${message}": inspect fails, as skopeo`, async () => {
      const { ours, theirs } = await both(status, code, message)
      assert.notEqual(theirs.code, 0, theirs.stdout)
      assert.notEqual(ours.code, 0, ours.stdout)
      assert.equal(ours.stdout, '')
      assert.match(ours.stderr, new RegExp(message))
      assert.doesNotMatch(ours.stderr, /disallows/)
    })
  }
})
