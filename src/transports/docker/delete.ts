/**
 * Deleting from a registry. `delete` resolves a tag to its digest (HEAD with every manifest type in
 * Accept) and DELETEs the manifest by digest — which removes every tag pointing at it. `untag`
 * removes one tag where the registry supports it (DELETE /manifests/<tag>, OCI distribution 1.1,
 * distribution v3); distribution 2.x cannot remove just a tag through the API.
 */
import { ImageNotFoundError, SkiffError } from '../../errors.js'
import { releaseClient } from '../../registry/client.js'
import { discard } from '../../registry/http.js'
import type { TransportOptions } from '../types.js'
import { openRepository } from './options.js'
import type { DockerRef } from './types.js'

function deletesDisabled(ref: DockerRef, registry: string, detail: string): SkiffError {
  return new SkiffError(
    'ERR_UNSUPPORTED',
    `${ref.toString()}: the registry ${registry} has deletes disabled (${detail}); it must allow them (docker-registry: storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true)`,
    { image: ref.toString() },
  )
}

export async function deleteDockerImage(ref: DockerRef, opts?: TransportOptions): Promise<void> {
  const signal = opts?.signal
  const { client, repo } = await openRepository(ref, opts)
  try {
    let digest = ref.ref.digest
    if (!digest) {
      const tag = ref.ref.tag ?? 'latest'
      const head = await repo.headManifest(tag, signal)
      if (!head)
        throw new ImageNotFoundError(`${ref.toString()}: image not found (no manifest for tag ${tag})`, {
          image: ref.toString(),
        })
      if (!head.digest)
        throw new SkiffError(
          'ERR_REGISTRY',
          `${ref.toString()}: the registry did not say the digest of tag ${tag} (no Docker-Content-Digest); delete by digest instead`,
        )
      digest = head.digest
    }
    const res = await repo.deleteManifest(digest, signal)
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      await discard(res)
      return
    }
    if (res.status === 405) {
      const e = await repo.fail(res, 'deleting')
      throw deletesDisabled(ref, client.registry, e.message.replace(/^.*?deleting: /, ''))
    }
    throw await repo.fail(res, `deleting manifest ${digest}`, 'image')
  } finally {
    await releaseClient(client)
  }
}

/**
 * Removes only the tag, leaving the image and its other tags. Works on registries that implement tag
 * deletion (DELETE /v2/<name>/manifests/<tag>); on others it fails with a clear message and changes nothing.
 */
export async function untagDockerImage(ref: DockerRef, opts?: TransportOptions): Promise<void> {
  const signal = opts?.signal
  const tag = ref.ref.tag
  if (ref.ref.digest !== undefined || tag === undefined || ref.unknownDigest) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `${ref.toString()}: untag needs a tag (docker://REPO:TAG); to delete an image by digest use delete`,
    )
  }
  const { client, repo } = await openRepository(ref, opts)
  try {
    const head = await repo.headManifest(tag, signal)
    if (!head) throw new ImageNotFoundError(`${ref.toString()}: tag ${tag} not found`, { image: ref.toString() })
    const res = await repo.deleteManifest(tag, signal)
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      await discard(res)
      return
    }
    const e = await repo.fail(res, `removing tag ${tag}`)
    const detail = e.message.replace(/^.*?removing tag [^:]*: /, '')
    if (res.status === 405 && !/UNSUPPORTED|DIGEST_INVALID/.test(detail))
      throw deletesDisabled(ref, client.registry, detail)
    if (res.status === 400 || res.status === 405 || res.status === 404) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        `${ref.toString()}: the registry ${client.registry} cannot remove just a tag (${detail}): its API deletes manifests by digest only, which would remove every tag of the image; nothing was changed. Use "skiff delete ${ref.toString()}" to delete the image with all its tags, or push another image over the tag`,
        { image: ref.toString(), cause: e },
      )
    }
    throw e
  } finally {
    await releaseClient(client)
  }
}
