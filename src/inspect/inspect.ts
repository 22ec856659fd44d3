/**
 * `skopeo inspect`: the inspect object (Name, Digest, RepoTags, Created, … Env), `--raw` (the
 * top-level manifest as stored), `--config` (the chosen image's config as an OCI v1.Image) and
 * `--config --raw` (the config bytes as stored). Rendering is the caller's: jsonOutput() for JSON,
 * renderUserFormat() for --format (src/cli/format/, on the engine in src/go/template/).
 */
import type { ImageSource } from '../transports/types.js'
import type { Platform } from '../manifest/types.js'
import { schema1Layers, schema1ToConfig } from '../manifest/schema1.js'
import { chooseImage, readConfig, readTopManifest } from './image-data.js'
import { goUnmarshal } from './go-decode.js'
import { ociImage } from './config-types.js'
import { buildInspectOutput, checkNotArtifact, imageInspectInfo, schema1InspectInfo } from './inspect-info.js'
import { type GoNil, NIL_SLICE } from '../go/values.js'
import { registryErrorEntries } from '../registry/errors.js'

export { buildInspectOutput } from './inspect-info.js'

export interface InspectOptions {
  /** Platform for choosing from a list (--override-os/--override-arch/--override-variant); default the host's. */
  platform?: Partial<Platform>
  /** --raw: bytes as stored (the manifest, or with `config` the config). */
  raw?: boolean
  /** --config: the image's config instead of the inspect object. */
  config?: boolean
  /**
   * List the repository's tags into RepoTags (skopeo does this for registry references only, and
   * not with --no-tags). Default true; used only when the source can list tags.
   */
  listTags?: boolean
  /** Include LayersData in the inspect object (default true, as upstream skopeo). */
  layersData?: boolean
  /** Problems that do not stop the inspection (skopeo logs them as warnings). */
  onWarning?: (message: string) => void
}

export type InspectResult =
  /** Bytes to write as they are (no newline added). */
  | { kind: 'raw'; bytes: Buffer }
  /** A value in the go/values.ts model, to print with jsonOutput() or a --format template. */
  | { kind: 'value'; value: Record<string, unknown> }

export async function inspectImage(source: ImageSource, opts: InspectOptions = {}): Promise<InspectResult> {
  const what = source.reference.toString()
  const top = await readTopManifest(source)
  if (opts.raw && !opts.config) return { kind: 'raw', bytes: top.bytes }

  const chosen = await chooseImage(source, top, opts.platform)
  const m = chosen.manifest

  if (opts.config) {
    if (m.kind === 'schema1') {
      // containers/image converts to schema2 without layer DiffIDs (not computed for inspect).
      if (opts.raw) return { kind: 'raw', bytes: Buffer.alloc(0) }
      const diffIDs = schema1Layers(m)
        .filter((l) => !l.empty)
        .map(() => '')
      return { kind: 'value', value: goUnmarshal(schema1ToConfig(m, diffIDs), ociImage, `config of ${what}`) }
    }
    if (!opts.raw) checkNotArtifact(m, what)
    const config = await readConfig(source, m)
    if (opts.raw) return { kind: 'raw', bytes: config }
    return { kind: 'value', value: goUnmarshal(config, ociImage, `config of ${what}`) }
  }

  const info =
    m.kind === 'schema1' ? schema1InspectInfo(m, what) : imageInspectInfo(m, await readConfig(source, m), what)
  let repoTags: string[] | GoNil = []
  // RepoTags come from sources that can list their repository's tags (registries), as in skopeo.
  if (opts.listTags !== false && source.listTags) {
    try {
      repoTags = await source.listTags()
    } catch (e) {
      // Registries that block the tag list (ECR without ecr:ListImages: DENIED) or do not implement
      // it (public.ecr.aws: 404 page not found) do not stop inspect; skopeo warns and prints null.
      if (!isTagListRefusal(e)) throw e
      opts.onWarning?.('Registry disallows tag list retrieval; skipping')
      repoTags = NIL_SLICE
    }
  }
  const name = source.reference.dockerReference()?.name
  return {
    kind: 'value',
    value: buildInspectOutput({
      digest: top.digest,
      repoTags,
      info,
      layersData: opts.layersData,
      ...(name ? { name } : {}),
    }),
  }
}

/** The error codes docker/distribution's errcode package knows; any other code parses as UNKNOWN. */
const KNOWN_CODES = new Set([
  'UNKNOWN',
  'UNSUPPORTED',
  'UNAUTHORIZED',
  'DENIED',
  'UNAVAILABLE',
  'TOOMANYREQUESTS',
  'DIGEST_INVALID',
  'SIZE_INVALID',
  'NAME_INVALID',
  'TAG_INVALID',
  'NAME_UNKNOWN',
  'MANIFEST_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNVERIFIED',
  'MANIFEST_BLOB_UNKNOWN',
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'PAGINATION_NUMBER_INVALID',
  'RANGE_INVALID',
])

/**
 * skopeo's test of a tag-list failure inspect may skip: the first error entry is DENIED, or an
 * unknown code (UNKNOWN after Go's parse) whose message is exactly "404 page not found".
 */
function isTagListRefusal(e: unknown): boolean {
  const first = registryErrorEntries(e)?.[0]
  if (!first) return false
  if (first.code === 'DENIED') return true
  return (first.code === 'UNKNOWN' || !KNOWN_CODES.has(first.code)) && first.message === '404 page not found'
}
