/**
 * Bad input through the real CLI, as one table: for each case the exit code (2 for "not found", as
 * skopeo), the one-line message (plus cobra's help hint for command-line mistakes), no Node stack
 * trace, and the destination untouched: nothing created, pre-existing content byte-identical, no
 * temp files left.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../helpers/fixtures.js'
import { withTempDir } from '../helpers/tools.js'
import { ROOT, skiff } from './run-skiff.js'

interface Case {
  name: string
  args: (t: string) => string[]
  code: number
  message: RegExp
  /** a command-line mistake: the message is followed by "See 'skiff CMD --help'." */
  usage?: boolean
}

/** Every file under `dir` with a hash of its content (directories as entries too). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const rel of (await readdir(dir, { recursive: true })).map(String).sort()) {
    const p = join(dir, rel)
    const st = await stat(p)
    out.set(
      rel,
      st.isDirectory()
        ? 'dir'
        : createHash('sha256')
            .update(await readFile(p))
            .digest('hex'),
    )
  }
  return out
}

const MISSING_LAYER_SPEC = {
  layers: [1, 2, 3, 4].map((i) => ({
    files: { [`f${i}`]: Buffer.alloc(200_000 * i, i) },
    compression: 'none' as const,
  })),
}

const CASES: Case[] = [
  // image names
  {
    name: 'unknown transport',
    args: (t) => ['copy', 'foo:bar', `dir:${t}/out`],
    code: 1,
    message:
      /^skiff: invalid image name "foo:bar": unknown transport "foo"; known transports: containers-storage, dir, docker, /,
  },
  {
    name: 'no transport',
    args: (t) => ['copy', 'nonsense', `dir:${t}/out`],
    code: 1,
    message: /^skiff: invalid image name "nonsense": expected TRANSPORT:DETAILS/,
  },
  {
    name: 'upper-case repository',
    args: (t) => ['copy', 'docker://UPPER/Case:1', `dir:${t}/out`],
    code: 1,
    message: /repository name must be lowercase/,
  },
  {
    name: 'malformed digest in a destination',
    args: (t) => ['copy', `oci:${t}/src:latest`, `docker-archive:${t}/a.tar:app@sha256:abc`],
    code: 1,
    message: /invalid digest "sha256:abc"/,
  },
  {
    name: 'malformed oci reference',
    args: (t) => ['copy', `oci:${t}/src:bad ref!`, `dir:${t}/out`],
    code: 1,
    message: /^skiff: .*(reference|ref)/i,
  },
  // missing images: exit 2
  {
    name: 'missing layout',
    args: (t) => ['copy', `oci:${t}/nothing:x`, `dir:${t}/out`],
    code: 2,
    message: /^skiff: oci:[^ ]+\/nothing:x: no OCI layout there/,
  },
  {
    name: 'missing tag',
    args: (t) => ['copy', `oci:${t}/src:nope`, `dir:${t}/out`],
    code: 2,
    message: /no image named "nope" in the layout \(it has: latest\)/,
  },
  {
    name: 'missing dir: image',
    args: (t) => ['copy', `dir:${t}/empty`, `oci:${t}/out2:x`],
    code: 2,
    message: /^skiff: dir:[^ ]+\/empty: no image there/,
  },
  {
    name: 'missing image, inspect',
    args: (t) => ['inspect', `oci:${t}/nothing:x`],
    code: 2,
    message: /no OCI layout there/,
  },
  // broken sources
  {
    name: 'corrupt blob',
    args: (t) => ['copy', `dir:${t}/corrupt`, `dir:${t}/existing`],
    code: 1,
    message:
      /^skiff: dir:[^ ]+\/corrupt: layer sha256:[0-9a-f]{64}: digest mismatch: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}/,
  },
  {
    name: 'missing middle layer (default parallelism)',
    args: (t) => ['copy', `oci:${t}/holey:v1`, `oci:${t}/out3:x`],
    code: 1,
    message:
      /^skiff: oci:[^ ]+\/holey:v1: blob sha256:[0-9a-f]{64} is missing from [^ ]+\/holey\/blobs; the layout is incomplete$/,
  },
  {
    name: 'manifest that is not JSON',
    args: (t) => ['copy', `dir:${t}/notjson`, `dir:${t}/out`],
    code: 1,
    message: /not JSON/,
  },
  {
    name: 'unreadable source (manifest.json is a directory)',
    args: (t) => ['copy', `dir:${t}/unreadable`, `dir:${t}/out`],
    code: 1,
    message: /^skiff: .*unreadable/,
  },
  // flags and arguments
  {
    name: 'unknown flag',
    args: (t) => ['copy', '--bogus', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 1,
    message: /^skiff: unknown flag: --bogus$/,
    usage: true,
  },
  {
    name: 'one argument',
    args: (t) => ['copy', `oci:${t}/src:latest`],
    code: 1,
    message: /^skiff: Exactly two arguments expected$/,
    usage: true,
  },
  {
    name: 'bad int',
    args: (t) => ['copy', '--retry-times', 'x', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 1,
    message: /invalid argument "x" for "--retry-times" flag: strconv.ParseInt/,
    usage: true,
  },
  {
    name: 'bad --format',
    args: (t) => ['copy', '--format', 'v9', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 1,
    message: /unknown format "v9"/,
    usage: true,
  },
  {
    name: 'bad duration',
    args: (t) => ['--command-timeout', '5', 'inspect', `oci:${t}/src:latest`],
    code: 1,
    message: /time: missing unit in duration "5"/,
    usage: true,
  },
  {
    name: 'bad bool',
    args: (t) => ['copy', '--src-tls-verify=maybe', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 1,
    message: /strconv.ParseBool: parsing "maybe": invalid syntax/,
  },
  { name: 'no command', args: () => [], code: 1, message: /^skiff: Missing command 'skiff COMMAND'$/, usage: true },
  {
    name: 'unknown command',
    args: () => ['frobnicate'],
    code: 1,
    message: /^skiff: Unrecognized command `skiff frobnicate`$/,
    usage: true,
  },
  // policy
  {
    name: 'policy file that is not JSON',
    args: (t) => ['--policy', `${t}/bad-policy.json`, 'copy', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 1,
    message: /^skiff: Error loading trust policy: invalid policy in "[^"]+bad-policy.json"/,
  },
  {
    name: 'missing policy file',
    args: (t) => ['--policy', `${t}/missing.json`, 'copy', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 1,
    message: /^skiff: Error loading trust policy: open [^ ]+missing.json: no such file or directory/,
  },
  {
    name: 'policy rejects the image',
    args: (t) => ['--policy', `${t}/reject.json`, 'copy', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 1,
    message: /^skiff: Source image rejected: Running image oci:[^ ]+ is rejected by policy\.$/,
  },
  // destinations
  {
    name: 'dir: destination whose parent does not exist',
    args: (t) => ['copy', `oci:${t}/src:latest`, `dir:${t}/no/such/out`],
    code: 1,
    message:
      /^skiff: Invalid destination name dir:[^ ]+\/no\/such\/out: directory [^ ]+\/no\/such does not exist; create it first$/,
  },
  {
    name: 'oci-archive: destination whose parent does not exist',
    args: (t) => ['copy', `oci:${t}/src:latest`, `oci-archive:${t}/no/a.tar`],
    code: 1,
    message: /directory [^ ]+\/no does not exist/,
  },
  {
    name: 'docker-archive: destination whose parent does not exist',
    args: (t) => ['copy', `oci:${t}/src:latest`, `docker-archive:${t}/no/a.tar`],
    code: 1,
    message: /directory [^ ]+\/no does not exist/,
  },
  {
    name: 'oci: destination whose parent does not exist',
    args: (t) => ['copy', `oci:${t}/src:latest`, `oci:${t}/no/l:x`],
    code: 1,
    message: /directory [^ ]+\/no does not exist/,
  },
  {
    name: 'platform missing from a list',
    args: (t) => ['--override-arch', 's390x', 'copy', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 0,
    message: /^$/,
  },
  {
    name: 'signing with a key the keyring does not have',
    args: (t) => [
      'copy',
      '--sign-by',
      'ABCD',
      '--sign-identity',
      'docker.io/library/x:1',
      `oci:${t}/src:latest`,
      `dir:${t}/out`,
    ],
    code: 1,
    message: /creating signature: key "ABCD" not found$/,
  },
  {
    name: '--preserve-digests with a conversion',
    args: (t) => ['copy', '--preserve-digests', '--format', 'v2s2', `oci:${t}/src:latest`, `dir:${t}/out`],
    code: 1,
    message: /--preserve-digests is set but copying to dir:[^ ]+ would change the manifest digest/,
  },
]

test('bad input: exit code, one clear line, no stack trace, destination untouched (table)', async () => {
  await withTempDir(async (t) => {
    // fixtures
    await cp(join(ROOT, 'examples/hello'), join(t, 'src'), { recursive: true })
    await mkdir(join(t, 'empty'))
    const good = await skiff(['--insecure-policy', 'copy', '-q', `oci:${t}/src:latest`, `dir:${t}/corrupt`])
    assert.equal(good.code, 0, good.stderr)
    const m = JSON.parse(await readFile(join(t, 'corrupt', 'manifest.json'), 'utf8'))
    const layer = join(t, 'corrupt', m.layers[0].digest.slice(7))
    const bytes = await readFile(layer)
    bytes[bytes.length - 20]! ^= 1
    await writeFile(layer, bytes)
    // a pre-existing destination the failed copy must leave byte-identical
    await writeOciImage(join(t, 'other'), 'v1', smallImage('other'))
    const pre = await skiff(['--insecure-policy', 'copy', '-q', `oci:${t}/other:v1`, `dir:${t}/existing`])
    assert.equal(pre.code, 0, pre.stderr)
    const holey = await writeOciImage(join(t, 'holey'), 'v1', MISSING_LAYER_SPEC)
    await rm(join(t, 'holey', 'blobs', 'sha256', holey.layers[2]!.digest.slice(7)))
    await mkdir(join(t, 'notjson'))
    await writeFile(join(t, 'notjson', 'manifest.json'), 'this is not json')
    await writeFile(join(t, 'notjson', 'version'), 'Directory Transport Version: 1.1\n')
    await mkdir(join(t, 'unreadable', 'manifest.json'), { recursive: true })
    await writeFile(join(t, 'unreadable', 'version'), 'Directory Transport Version: 1.1\n')
    await writeFile(join(t, 'bad-policy.json'), '{bad')
    await writeFile(join(t, 'reject.json'), JSON.stringify({ default: [{ type: 'reject' }] }))

    const before = await snapshot(t)
    for (const c of CASES) {
      if (c.code === 0) continue // (kept in the table as a reminder: a single image ignores --override-arch, as skopeo)
      const args = c.args(t)
      const withPolicy =
        args.includes('--policy') || args.length === 0 || args[0] === 'frobnicate'
          ? args
          : ['--insecure-policy', ...args]
      const r = await skiff(withPolicy)
      assert.equal(r.code, c.code, `${c.name}: exit ${r.code}\n${r.stderr}`)
      assert.equal(r.stdout, '', c.name)
      assert.ok(r.stderr.endsWith('\n'), `${c.name}: ends with a newline`)
      // skopeo's progress lines may come first; then the one message (and the help hint)
      const lines = r.stderr
        .split('\n')
        .filter((l) => !/^(Getting image (source|list) signatures|Copying (blob|config) sha256:[0-9a-f]{64})$/.test(l))
      assert.equal(lines.length, c.usage ? 3 : 2, `${c.name}: ${r.stderr}`)
      assert.match(lines[0]!, c.message, c.name)
      if (c.usage)
        assert.match(lines[1]!, /^(See 'skiff [a-z-]+ --help'\.|Try 'skiff --help' for more information\.)$/, c.name)
      assert.doesNotMatch(r.stderr, /^\s+at /m, `${c.name}: a stack trace`)
      assert.doesNotMatch(r.stderr, /node:internal|internal error/, c.name)
      // the destination untouched: nothing new, nothing changed, no temp files
      const after = await snapshot(t)
      assert.deepEqual(
        [...after.keys()].filter((k) => !before.has(k)),
        [],
        `${c.name}: created files`,
      )
      for (const [k, h] of before) assert.equal(after.get(k), h, `${c.name}: ${k} changed`)
    }
  })
})
