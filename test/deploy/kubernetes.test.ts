/**
 * deploy/kubernetes/ against the Kubernetes API schemas (the kubernetes-models package: the
 * OpenAPI schemas of Kubernetes compiled to validators; no control plane can run here), and
 * against skiff itself: the Job's arguments parse as a sync request, its shard count is its
 * completions, the ConfigMap's list parses as an image list, the Secret is an auth file, and every
 * path the arguments name is where a volume is mounted.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { Job } from 'kubernetes-models/batch/v1/Job'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Secret } from 'kubernetes-models/v1/Secret'
import { ROOT } from '../cli/run-skiff.js'
import { parseInvocation } from '../../src/cli/program.js'
import { syncRequestFrom } from '../../src/cli/options/sync.js'
import { parseImageList } from '../../src/sync/image-list.js'

const DIR = join(ROOT, 'deploy', 'kubernetes')
const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'batch/v1/Job': Job,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
}

async function manifests(): Promise<any[]> {
  const out = []
  for (const f of (await readdir(DIR)).filter((n) => n.endsWith('.yaml')).sort())
    for (const d of parseAllDocuments(await readFile(join(DIR, f), 'utf8'))) {
      assert.deepEqual(d.errors, [], f)
      out.push({ file: f, ...d.toJS() })
    }
  return out
}

test('every manifest is valid against its Kubernetes schema', async () => {
  const all = await manifests()
  assert.deepEqual(all.map((m) => `${m.apiVersion}/${m.kind}`).sort(), Object.keys(MODELS).sort())
  for (const { file, ...m } of all) {
    const Model = MODELS[`${m.apiVersion}/${m.kind}`]!
    assert.doesNotThrow(() => new Model(m as never).validate(), `${file}`)
  }
})

test('the schemas do catch a broken Job (the validator is not a no-op)', async () => {
  const job = (await manifests()).find((m) => m.kind === 'Job')
  const broken = structuredClone(job)
  broken.spec.completionMode = 'indexed'
  assert.throws(() => new Job(broken).validate(), /completionMode must be equal to one of the allowed values/)
  const noImage = structuredClone(job)
  noImage.spec.completions = '4'
  assert.throws(() => new Job(noImage).validate(), /completions must be integer/)
})

test('the Job runs a sync skiff accepts, one shard per completion index, with the mounted files', async () => {
  const all = await manifests()
  const job = all.find((m) => m.kind === 'Job')
  const spec = job.spec
  assert.equal(spec.completionMode, 'Indexed')
  assert.ok(spec.backoffLimitPerIndex >= 1)
  const pod = spec.template.spec
  assert.equal(pod.restartPolicy, 'Never')
  assert.equal(pod.securityContext.runAsUser, 65532, 'the image’s user')
  const c = pod.containers[0]
  const inv = await parseInvocation(c.args)
  assert.equal(inv.kind, 'run')
  if (inv.kind !== 'run') return
  // in a pod, the Job controller sets the index (here: pod 3's)
  const before = process.env['JOB_COMPLETION_INDEX']
  process.env['JOB_COMPLETION_INDEX'] = '3'
  let req
  try {
    req = syncRequestFrom(inv.args, inv.flags, inv.global)
  } finally {
    if (before === undefined) delete process.env['JOB_COMPLETION_INDEX']
    else process.env['JOB_COMPLETION_INDEX'] = before
  }
  assert.equal(req.plan.shard?.index, 3)
  assert.equal(req.plan.shard?.count, spec.completions, '--shard-count = completions')
  assert.equal(spec.parallelism <= spec.completions, true)
  assert.ok(req.reportFile?.includes('$(JOB_COMPLETION_INDEX)'), 'one report per shard')

  const mountOf = (path: string) => {
    const m = c.volumeMounts.find((v: { mountPath: string }) => path.startsWith(`${v.mountPath}/`))
    assert.ok(m, `nothing is mounted at ${path}`)
    return {
      mount: m,
      volume: pod.volumes.find((v: { name: string }) => v.name === m.name),
      rest: path.slice(m.mountPath.length + 1),
    }
  }
  // the image list: a key of the ConfigMap, and a list skiff parses
  const list = mountOf(req.source.input)
  const cm = all.find((m) => m.kind === 'ConfigMap' && m.metadata.name === list.volume.configMap.name)
  assert.ok(cm, 'the ConfigMap the Job mounts')
  assert.ok(parseImageList(cm.data[list.rest], 'images.list').length > 0)
  // the auth file: a key of the Secret, the containers-auth.json format
  const authPath = c.env.find((e: { name: string }) => e.name === 'REGISTRY_AUTH_FILE').value
  const auth = mountOf(authPath)
  const secret = all.find((m) => m.kind === 'Secret' && m.metadata.name === auth.volume.secret.secretName)
  assert.ok(secret, 'the Secret the Job mounts')
  assert.equal(typeof JSON.parse(secret.stringData[auth.rest]).auths, 'object')
  // readable by the non-root user: group-readable and owned by fsGroup
  assert.equal(pod.securityContext.fsGroup, pod.securityContext.runAsUser)
  assert.ok((auth.volume.secret.defaultMode & 0o040) !== 0)
  // the report's folder is a writable volume
  assert.ok(!mountOf(req.reportFile!).mount.readOnly)
})
