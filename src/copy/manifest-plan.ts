/**
 * Which manifest type to write: the source's when the destination takes it and nothing forces a
 * change, else the first type the destination supports that the image can be converted to.
 */
import { ManifestTypeRejectedError, SkiffError, opt, withOptions } from '../errors.js'
import { MT, isListType, isSchema1Type } from '../manifest/media-types.js'

const FORMAT_TYPES = { oci: MT.OCI_MANIFEST, v2s2: MT.DOCKER_V2S2, v2s1: MT.DOCKER_V2S1_SIGNED } as const
const LIST_OF: Record<string, string> = { [MT.OCI_MANIFEST]: MT.OCI_INDEX, [MT.DOCKER_V2S2]: MT.DOCKER_LIST }

export function formatMediaType(format: 'oci' | 'v2s2' | 'v2s1' | undefined): string | undefined {
  return format ? FORMAT_TYPES[format] : undefined
}

/** Chooses the image manifest type to write. `needOci`: the layers need OCI (zstd). */
export function chooseImageManifestType(
  srcType: string,
  supported: string[] | undefined,
  forced: string | undefined,
  needOci: boolean,
  dest: string,
): string {
  const accepts = (t: string): boolean => !supported || supported.includes(t)
  if (forced) {
    if (!accepts(forced))
      throw new ManifestTypeRejectedError(
        forced,
        `${dest} does not accept ${forced} manifests (it accepts ${supported!.join(', ')})`,
      )
    if (isSchema1Type(forced) && !isSchema1Type(srcType)) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`writing Docker schema1 manifests (${opt('format', { value: 'v2s1' })}) is not supported: schema1 is deprecated; use ${opt('format', { value: 'v2s2' })} or oci`,
      )
    }
    if (needOci && forced !== MT.OCI_MANIFEST) {
      throw new ManifestTypeRejectedError(
        forced,
        withOptions`zstd-compressed layers can only be described by an OCI manifest; use ${opt('format', { value: 'oci' })} or gzip compression`,
      )
    }
    return forced
  }
  const srcOk = accepts(srcType) && !(needOci && srcType === MT.DOCKER_V2S2)
  if (srcOk) return srcType
  const candidates = (supported ?? [MT.OCI_MANIFEST, MT.DOCKER_V2S2]).filter(
    (t) => t === MT.OCI_MANIFEST || (t === MT.DOCKER_V2S2 && !needOci),
  )
  if (candidates.length === 0) {
    throw new ManifestTypeRejectedError(
      srcType,
      `${dest} accepts only ${(supported ?? []).join(', ')}; skiff cannot convert a ${srcType} image to any of them`,
    )
  }
  return candidates[0]!
}

/** Chooses the list type to write, given the image type the instances are converted to (if forced). */
export function chooseListType(
  srcType: string,
  supported: string[] | undefined,
  forcedImageType: string | undefined,
  dest: string,
): string {
  const accepts = (t: string): boolean => !supported || supported.includes(t)
  if (forcedImageType) {
    const t = LIST_OF[forcedImageType]
    if (!t) throw new SkiffError('ERR_UNSUPPORTED', `cannot write a list of ${forcedImageType} images`)
    if (!accepts(t)) throw new ManifestTypeRejectedError(t, `${dest} does not accept ${t}`)
    return t
  }
  if (accepts(srcType)) return srcType
  const alt = (supported ?? []).find((t) => isListType(t))
  if (!alt)
    throw new ManifestTypeRejectedError(
      srcType,
      withOptions`${dest} cannot store a list of images (manifest list / OCI index); copy one image with ${opt('multiArch', { value: 'system' })}`,
    )
  return alt
}

/** The image manifest type that goes with a list type. */
export function imageTypeForList(listType: string): string {
  return listType === MT.OCI_INDEX ? MT.OCI_MANIFEST : MT.DOCKER_V2S2
}
