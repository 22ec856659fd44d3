/**
 * Sharded sync as a Kubernetes Indexed Job runs it: N skiff processes with the same arguments and
 * JOB_COMPLETION_INDEX=0…N-1, against real docker-registry servers (one source, one destination;
 * each phase writes its own namespace). The union of the shards equals the unsharded sync, no
 * image is copied twice (the destination's access log has one manifest PUT per image), and a shard
 * killed with -9 in the middle of an image converges when only that index is run again.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startProxy, startRegistry, type Registry, type RegistryProxy } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { CLI_ARGS, ROOT, skiff } from '../run-skiff.js'
import { shardOf } from '../../../src/sync/shard.js'

const N = 3
// 3 repositories per shard (the first names that give that), 2 tags each
const REPOS: string[] = []
for (let i = 0, per = [0, 0, 0]; REPOS.length < 3 * N; i++) {
  const s = shardOf(`src/app${i}`, N)
  if (per[s]! < 3) {
    per[s]!++
    REPOS.push(`src/app${i}`)
  }
}
const TAGS = ['1', '2']
const insecure = { registry: { tlsVerify: false } }

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

describe('sync --shard-count N with JOB_COMPLETION_INDEX', () => {
  let dir: string
  let src: Registry
  let dest: Registry
  let proxy: RegistryProxy
  const list = (): string => join(dir, 'images.list')

  /** One shard (index undefined: the whole sync) into namespace `ns`, reading the source through `via`. */
  const start = (
    ns: string,
    index: number | undefined,
    via = src.host,
    onStderr?: (s: string) => void,
    listFile = list(),
    env: NodeJS.ProcessEnv = {},
  ) => {
    const args = [
      '--insecure-policy',
      'sync',
      '--src',
      'list',
      '--dest',
      'docker',
      '--src-registry',
      via,
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--jobs',
      '1',
      '--progress',
      'plain',
      '--report',
      join(dir, `${ns}-${index ?? 'all'}.json`),
      ...(index === undefined ? [] : ['--shard-count', String(N)]),
      listFile,
      `${dest.host}/${ns}`,
    ]
    const childEnv = {
      ...process.env,
      ...(index === undefined ? {} : { JOB_COMPLETION_INDEX: String(index) }),
      ...env,
    }
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
      onStderr?.(stderr)
    })
    const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })))
    return { child, done }
  }
  const report = async (ns: string, index: number | string) =>
    JSON.parse(await readFile(join(dir, `${ns}-${index}.json`), 'utf8')) as {
      summary: { copied: number; skipped: number; failed: number; shard?: { index: number; count: number } }
      images: Array<{ destination: string; digest: string; result: string; reason?: string }>
    }
  /** repo:tag → manifest digest of everything under `ns` in the destination registry. */
  const contents = async (ns: string): Promise<Record<string, string>> => {
    const out: Record<string, string> = {}
    const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
    for (const repo of REPOS) {
      const tags = await fetch(`${dest.url}/v2/${ns}/${repo}/tags/list`)
      if (tags.status === 404) continue
      for (const tag of ((await tags.json()) as { tags: string[] | null }).tags ?? []) {
        const h = await fetch(`${dest.url}/v2/${ns}/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept } })
        out[`${repo}:${tag}`] = h.headers.get('docker-content-digest') ?? ''
      }
    }
    return out
  }
  /** Manifest PUTs the destination received under `ns`, per path. */
  const manifestPuts = (ns: string): Map<string, number> => {
    const m = new Map<string, number>()
    for (const r of dest.requests())
      if (r.method === 'PUT' && r.path.startsWith(`/v2/${ns}/`) && r.path.includes('/manifests/'))
        m.set(r.path, (m.get(r.path) ?? 0) + 1)
    return m
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-shard-'))
    ;[src, dest] = await Promise.all([startRegistry(), startRegistry()])
    const layout = join(dir, 'layout')
    for (const repo of REPOS)
      for (const tag of TAGS) {
        await writeOciImage(layout, `${repo}-${tag}`, smallImage(`${repo}-${tag}`))
        await copy(`oci:${layout}:${repo}-${tag}`, `docker://${src.host}/${repo}:${tag}`, { destination: insecure })
      }
    await writeFile(list(), REPOS.flatMap((r) => TAGS.map((t) => `${r}:${t}`)).join('\n') + '\n')
  })
  after(async () => {
    await proxy?.close()
    await Promise.all([src?.close(), dest?.close()])
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('the union of N shards equals the unsharded sync; no image is copied twice', async () => {
    const whole = await start('whole', undefined).done
    assert.equal(whole.code, 0, whole.stderr)
    const runs = await Promise.all([0, 1, 2].map((i) => start('sharded', i).done))
    for (const r of runs) assert.equal(r.code, 0, r.stderr)

    const expected = await contents('whole')
    assert.equal(Object.keys(expected).length, REPOS.length * TAGS.length)
    assert.deepEqual(await contents('sharded'), expected)

    const copied: string[] = []
    for (const i of [0, 1, 2]) {
      const r = await report('sharded', i)
      assert.deepEqual(r.summary.shard, { index: i, count: N })
      assert.equal(r.summary.failed, 0)
      for (const img of r.images) {
        assert.equal(img.result, 'copied')
        // every tag of a repository in the shard that owns the repository
        const repo = img.destination.replace(`docker://${dest.host}/sharded/`, '').replace(/:[^:/]+$/, '')
        assert.equal(shardOf(repo, N), i, img.destination)
        copied.push(img.destination)
      }
    }
    assert.equal(new Set(copied).size, copied.length, 'an image copied by two shards')
    assert.equal(copied.length, REPOS.length * TAGS.length)
    const puts = manifestPuts('sharded')
    assert.equal(puts.size, REPOS.length * TAGS.length)
    for (const [path, n] of puts) assert.equal(n, 1, `${path}: ${n} manifest PUTs`)
  })

  it('a shard killed with -9 mid-image converges when only its index runs again', async () => {
    // the victim: shard 1; the last of its repositories stalls in the source manifest's answer
    // (blobs would not do: the destination has them from the first test, so they are mounted)
    const mine = REPOS.filter((r) => shardOf(r, N) === 1)
    const stalled = mine[mine.length - 1]!
    proxy = await startProxy(src, {
      stallBlobGet: { afterBytes: 1, times: 1, match: { method: 'GET', path: `/v2/${stalled}/manifests/` } },
    })
    const others = await Promise.all([0, 2].map((i) => start('killed', i, proxy.host).done))
    for (const r of others) assert.equal(r.code, 0, r.stderr)

    const victim = start('killed', 1, proxy.host)
    const stalledNow = async (): Promise<void> => {
      for (let i = 0; i < 200 && !proxy.requests().some((e) => e.fault === 'stall'); i++)
        await new Promise((r) => setTimeout(r, 50))
    }
    await stalledNow()
    assert.ok(
      proxy.requests().some((e) => e.fault === 'stall'),
      'the victim never reached the stalled manifest',
    )
    victim.child.kill('SIGKILL')
    const killed = await victim.done
    assert.equal(killed.signal, 'SIGKILL')
    const before = await contents('killed')
    assert.ok(!(`${stalled}:1` in before && `${stalled}:2` in before), 'the stalled repository was not finished')

    const again = await start('killed', 1, proxy.host).done
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(await contents('killed'), await contents('whole'))
    const r = await report('killed', 1)
    const skipped = r.images.filter((i) => i.result === 'skipped' && i.reason === 'present')
    assert.ok(skipped.length >= 1, 'what the killed shard had copied is skipped, not copied again')
    assert.equal(r.summary.copied + r.summary.skipped, mine.length * TAGS.length)
    for (const [path, n] of manifestPuts('killed')) assert.equal(n, 1, `${path}: ${n} manifest PUTs`)
    assert.equal(manifestPuts('killed').size, REPOS.length * TAGS.length)
  })

  it('each shard has its own exit code: only the shard owning a failed image exits 1', async () => {
    // one image per shard, and a tag that does not exist in the repository of shard `bad`
    const one = [0, 1, 2].map((i) => REPOS.find((r) => shardOf(r, N) === i)!)
    const bad = 2
    const file = join(dir, 'with-missing.list')
    await writeFile(file, [...one.map((r) => `${r}:1`), `${one[bad]}:nope`].join('\n') + '\n')
    const runs = await Promise.all([0, 1, 2].map((i) => start('exit', i, src.host, undefined, file).done))
    runs.forEach((r, i) => assert.equal(r.code, i === bad ? 1 : 0, `shard ${i}: ${r.stderr}`))
    assert.match(runs[bad]!.stderr, /nope/)
    const r = await report('exit', bad)
    assert.equal(r.summary.failed, 1)
    assert.equal(r.summary.copied, 1)
  })

  it('a JOB_COMPLETION_INDEX outside the shard count is a usage error (exit 1, nothing copied)', async () => {
    const out = join(dir, 'usage-out')
    const r = await skiff(
      [
        '--insecure-policy',
        'sync',
        '--src',
        'list',
        '--dest',
        'dir',
        '--src-registry',
        src.host,
        '--src-tls-verify=false',
        '--shard-count',
        '3',
        list(),
        out,
      ],
      { env: { JOB_COMPLETION_INDEX: '7' } },
    )
    assert.equal(r.code, 1)
    // a usage error as skopeo prints one: the message, then where to look
    assert.equal(
      r.stderr,
      "skiff: JOB_COMPLETION_INDEX must be from 0 to 2 (--shard-count 3), got 7\nSee 'skiff sync --help'.\n",
    )
    assert.ok(!existsSync(out))
  })
})
