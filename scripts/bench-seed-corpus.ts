/**
 * The seed's corpus for `npm run bench`: the 143 images of the seed's images-list.txt (the
 * kubesphere list its sync.sh mirrors), as small deterministic images built here (no downloads):
 * four shared base layers (baseKib, /2, /4, /8 KiB of compressible pseudo-random bytes, like the
 * common base images) and one small layer of its own per image. Written to an OCI layout, then
 * pushed once per bench run to the source registry.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { writeOciImage, type ImageSpec } from '../test/helpers/fixtures.js'
import { copyImage } from '../src/copy/copy.js'
import { createSharedCopyState } from '../src/copy/shared-state.js'
import { insecureAcceptAnythingPolicy } from '../src/policy/context.js'
import { mapLimit } from '../src/copy/limit.js'

/** The seed's images-list.txt, as printed in the seed (comments and all). */
export const SEED_IMAGES_LIST = `##k8s-images
kubesphere/kube-apiserver:v1.20.6
kubesphere/kube-scheduler:v1.20.6
kubesphere/kube-proxy:v1.20.6
kubesphere/kube-controller-manager:v1.20.6
kubesphere/kube-apiserver:v1.19.8
kubesphere/kube-scheduler:v1.19.8
kubesphere/kube-proxy:v1.19.8
kubesphere/kube-controller-manager:v1.19.8
kubesphere/kube-apiserver:v1.19.9
kubesphere/kube-scheduler:v1.19.9
kubesphere/kube-proxy:v1.19.9
kubesphere/kube-controller-manager:v1.19.9
kubesphere/kube-apiserver:v1.18.8
kubesphere/kube-scheduler:v1.18.8
kubesphere/kube-proxy:v1.18.8
kubesphere/kube-controller-manager:v1.18.8
kubesphere/kube-apiserver:v1.17.9
kubesphere/kube-scheduler:v1.17.9
kubesphere/kube-proxy:v1.17.9
kubesphere/kube-controller-manager:v1.17.9
kubesphere/pause:3.1
kubesphere/pause:3.2
kubesphere/etcd:v3.4.13
calico/cni:v3.16.3
calico/kube-controllers:v3.16.3
calico/node:v3.16.3
calico/pod2daemon-flexvol:v3.16.3
calico/typha:v3.16.3
kubesphere/flannel:v0.12.0
coredns/coredns:1.6.9
kubesphere/k8s-dns-node-cache:1.15.12
openebs/provisioner-localpv:2.10.1
openebs/linux-utils:2.10.0
kubesphere/nfs-client-provisioner:v3.1.0-k8s1.11
##csi-images
csiplugin/csi-neonsan:v1.2.0
csiplugin/csi-neonsan-ubuntu:v1.2.0
csiplugin/csi-neonsan-centos:v1.2.0
csiplugin/csi-provisioner:v1.5.0
csiplugin/csi-attacher:v2.1.1
csiplugin/csi-resizer:v0.4.0
csiplugin/csi-snapshotter:v2.0.1
csiplugin/csi-node-driver-registrar:v1.2.0
csiplugin/csi-qingcloud:v1.2.0
##kubesphere-images
kubesphere/ks-apiserver:v3.1.1
kubesphere/ks-console:v3.1.1
kubesphere/ks-controller-manager:v3.1.1
kubesphere/ks-installer:v3.1.1
kubesphere/kubectl:v1.20.0
kubesphere/kubectl:v1.19.0
redis:5.0.12-alpine
alpine:3.14
haproxy:2.0.22-alpine
nginx:1.14-alpine
minio/minio:RELEASE.2019-08-07T01-59-21Z
minio/mc:RELEASE.2019-08-07T23-14-43Z
mirrorgooglecontainers/defaultbackend-amd64:1.4
kubesphere/nginx-ingress-controller:v0.35.0
osixia/openldap:1.3.0
csiplugin/snapshot-controller:v3.0.3
kubesphere/kubefed:v0.7.0
kubesphere/tower:v0.2.0
kubesphere/prometheus-config-reloader:v0.42.1
kubesphere/prometheus-operator:v0.42.1
prom/alertmanager:v0.21.0
prom/prometheus:v2.26.0
prom/node-exporter:v0.18.1
kubesphere/ks-alerting-migration:v3.1.0
jimmidyson/configmap-reload:v0.3.0
kubesphere/notification-manager-operator:v1.0.0
kubesphere/notification-manager:v1.0.0
kubesphere/metrics-server:v0.4.2
kubesphere/kube-rbac-proxy:v0.8.0
kubesphere/kube-state-metrics:v1.9.7
openebs/provisioner-localpv:2.3.0
thanosio/thanos:v0.18.0
grafana/grafana:7.4.3
##kubesphere-logging-images
kubesphere/elasticsearch-oss:6.7.0-1
kubesphere/elasticsearch-curator:v5.7.6
kubesphere/fluentbit-operator:v0.5.0
kubesphere/fluentbit-operator:migrator
kubesphere/fluent-bit:v1.6.9
elastic/filebeat:6.7.0
kubesphere/kube-auditing-operator:v0.1.2
kubesphere/kube-auditing-webhook:v0.1.2
kubesphere/kube-events-exporter:v0.1.0
kubesphere/kube-events-operator:v0.1.0
kubesphere/kube-events-ruler:v0.2.0
kubesphere/log-sidecar-injector:1.1
docker:19.03
##istio-images
istio/pilot:1.6.10
istio/proxyv2:1.6.10
jaegertracing/jaeger-agent:1.17
jaegertracing/jaeger-collector:1.17
jaegertracing/jaeger-es-index-cleaner:1.17
jaegertracing/jaeger-operator:1.17.1
jaegertracing/jaeger-query:1.17
kubesphere/kiali:v1.26.1
kubesphere/kiali-operator:v1.26.1
##kubesphere-devops-images
kubesphere/ks-jenkins:2.249.1
jenkins/jnlp-slave:3.27-1
kubesphere/s2ioperator:v3.1.0
kubesphere/s2irun:v2.1.1
kubesphere/builder-base:v3.1.0
kubesphere/builder-nodejs:v3.1.0
kubesphere/builder-maven:v3.1.0
kubesphere/builder-go:v3.1.0
kubesphere/s2i-binary:v2.1.0
kubesphere/tomcat85-java11-centos7:v2.1.0
kubesphere/tomcat85-java11-runtime:v2.1.0
kubesphere/tomcat85-java8-centos7:v2.1.0
kubesphere/tomcat85-java8-runtime:v2.1.0
kubesphere/java-11-centos7:v2.1.0
kubesphere/java-8-centos7:v2.1.0
kubesphere/java-8-runtime:v2.1.0
kubesphere/java-11-runtime:v2.1.0
kubesphere/nodejs-8-centos7:v2.1.0
kubesphere/nodejs-6-centos7:v2.1.0
kubesphere/nodejs-4-centos7:v2.1.0
kubesphere/python-36-centos7:v2.1.0
kubesphere/python-35-centos7:v2.1.0
kubesphere/python-34-centos7:v2.1.0
kubesphere/python-27-centos7:v2.1.0
##openpitrix-images
kubespheredev/openpitrix-jobs:v3.1.1
##weave-scope-images
weaveworks/scope:1.13.0
##kubeedge-images
kubeedge/cloudcore:v1.6.2
kubesphere/edge-watcher:v0.1.0
kubesphere/kube-rbac-proxy:v0.5.0
kubesphere/edge-watcher-agent:v0.1.0
##example-images-images
kubesphere/examples-bookinfo-productpage-v1:1.16.2
kubesphere/examples-bookinfo-reviews-v1:1.16.2
kubesphere/examples-bookinfo-reviews-v2:1.16.2
kubesphere/examples-bookinfo-reviews-v3:1.16.2
kubesphere/examples-bookinfo-details-v1:1.16.2
kubesphere/examples-bookinfo-ratings-v1:1.16.3
busybox:1.31.1
joosthofman/wget:1.0
kubesphere/netshoot:v1.0
nginxdemos/hello:plain-text
wordpress:4.8-apache
mirrorgooglecontainers/hpa-example:latest
java:openjdk-8-jre-alpine
fluent/fluentd:v1.4.2-2.0
perl:latest
`

/** The image names sync.sh reads: `sed -n '/#/d;s/:/:/p' images-list.txt | sort -u`. */
export function seedImages(text = SEED_IMAGES_LIST): string[] {
  const names = text
    .split('\n')
    .filter((l) => !l.includes('#') && l.includes(':'))
    .map((l) => l.trim())
  return [...new Set(names)].sort()
}

/** Deterministic bytes (sha256 in counter mode over `seed`); the second half of each 64 KiB repeats one byte, so gzip has work. */
export function seedBytes(seed: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes)
  for (let off = 0; off < bytes; off += 32) {
    if (off % 65536 < 32768) createHash('sha256').update(`${seed}/${off}`).digest().copy(out, off)
    else out.fill((off >> 16) & 0xff, off, Math.min(off + 32, bytes))
  }
  return out
}

export interface SeedCorpus {
  layout: string
  /** `repo:tag` of every image, in sync.sh's order */
  images: string[]
  /** the OCI layout tag of each image (same order) */
  layoutTags: string[]
}

export async function buildSeedCorpus(work: string, opts: { images: number; baseKib: number }): Promise<SeedCorpus> {
  const layout = join(work, 'seed-corpus')
  const bases = [1, 2, 4, 8].map((d, i) => ({
    'base.bin': seedBytes(`base-${i}`, Math.max(1024, Math.round((opts.baseKib * 1024) / d))),
  }))
  const images = seedImages().slice(0, opts.images)
  const layoutTags: string[] = []
  for (const [i, ref] of images.entries()) {
    const spec: ImageSpec = {
      layers: [{ files: bases[i % bases.length]! }, { files: { [`app/${ref}.txt`]: seedBytes(ref, 2048) } }],
      labels: { 'org.example.name': ref },
    }
    const tag = ref.replace(/[/:]/g, '_')
    await writeOciImage(layout, tag, spec)
    layoutTags.push(tag)
  }
  return { layout, images, layoutTags }
}

/** Pushes the corpus to `host` (a plain-HTTP registry), in one process. */
export async function pushSeedCorpus(c: SeedCorpus, host: string): Promise<void> {
  const shared = createSharedCopyState()
  await mapLimit([...c.images.keys()], 4, (i) =>
    copyImage(`oci:${c.layout}:${c.layoutTags[i]}`, `docker://${host}/${c.images[i]}`, {
      policy: insecureAcceptAnythingPolicy(),
      destination: { registry: { tlsVerify: false } },
      shared,
    }),
  )
}

/** The repositories of `images` with the most tags first (then by name), at most `n`. */
export function busiestRepositories(images: string[], n: number): string[] {
  const tags = new Map<string, number>()
  for (const r of images) {
    const repo = r.slice(0, r.lastIndexOf(':'))
    tags.set(repo, (tags.get(repo) ?? 0) + 1)
  }
  return [...tags]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([r]) => r)
}
