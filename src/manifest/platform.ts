/**
 * Platforms: the host's (in Go/OCI names) and choosing one instance from a manifest list, with
 * variant fallbacks as containers/image does (arm v7 accepts v6 and v5; arm64 is v8).
 */
import { SkiffError, opt, withOptions } from '../errors.js'
import type { ListEntry, ManifestList, Platform } from './types.js'
import { MT } from './media-types.js'

const ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
}
const OS: Record<string, string> = {
  win32: 'windows',
  linux: 'linux',
  darwin: 'darwin',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
  sunos: 'solaris',
  aix: 'aix',
}

export function hostPlatform(): Platform {
  return goPlatform(process.arch, process.platform, (process.config.variables as Record<string, unknown>).arm_version)
}

/** Node's arch/platform names (and Node's build arm_version) in Go/OCI names; unknown names pass through. */
export function goPlatform(nodeArch: string, nodePlatform: string, armVersion?: unknown): Platform {
  const architecture = ARCH[nodeArch] ?? nodeArch
  const p: Platform = { os: OS[nodePlatform] ?? nodePlatform, architecture }
  if (architecture === 'arm') {
    p.variant = `v${typeof armVersion === 'string' || typeof armVersion === 'number' ? armVersion : '7'}`
  }
  return p
}

/** The platform to choose with: the host's, overridden field by field (--override-os/arch/variant). */
export function wantedPlatform(override: Partial<Platform> | undefined): Platform {
  const host = hostPlatform()
  const os = override?.os || host.os
  const architecture = override?.architecture || host.architecture
  const p: Platform = { os, architecture }
  // The host's variant only applies when the architecture is the host's.
  const variant = override?.variant || (architecture === host.architecture ? host.variant : undefined)
  if (variant) p.variant = variant
  return p
}

/** Variants acceptable for a wanted platform, most preferred first; '' means "no variant given". */
function variantPreference(p: Platform): string[] {
  const v = p.variant ?? ''
  if (p.architecture === 'arm64') return v && v !== 'v8' ? [v, ''] : ['v8', '']
  if (p.architecture === 'arm') {
    const order = ['v8', 'v7', 'v6', 'v5']
    const start = order.indexOf(v || 'v7')
    return start === -1 ? [v, ''] : [...order.slice(start), '']
  }
  return v ? [v, ''] : ['']
}

export function platformMatches(entry: Platform | undefined, want: Platform): boolean {
  return (
    !!entry &&
    entry.os === want.os &&
    entry.architecture === want.architecture &&
    variantPreference(want).includes(entry.variant ?? '')
  )
}

/** Formats `os/arch[/variant]`. */
export function formatPlatform(p: Partial<Platform>): string {
  return [p.os ?? '', p.architecture ?? '', ...(p.variant ? [p.variant] : [])].join('/')
}

/** Parses `os/arch[/variant]` (as --multi-arch lists use). */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().split('/')
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => x === '')) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `invalid platform "${s}": expected os/arch or os/arch/variant, e.g. linux/arm64`,
    )
  }
  const p: Platform = { os: parts[0]!, architecture: parts[1]! }
  if (parts[2]) p.variant = parts[2]
  return p
}

/**
 * Chooses the instance of `list` for the wanted platform (the host's, with overrides). Throws
 * ERR_NO_MATCHING_PLATFORM in skopeo's words (`choosing image instance: no image found in manifest
 * list for architecture …`), then what the list offers and what to do.
 */
export function chooseInstance(list: ManifestList, override?: Partial<Platform>, image?: string): ListEntry {
  const want = wantedPlatform(override)
  for (const variant of variantPreference(want)) {
    const hit = list.manifests.find(
      (m) =>
        m.platform &&
        m.platform.os === want.os &&
        m.platform.architecture === want.architecture &&
        (m.platform.variant ?? '') === variant,
    )
    if (hit) return hit
  }
  // A wanted platform without a variant accepts any variant of that architecture.
  if (!want.variant) {
    const hit = list.manifests.find(
      (m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture,
    )
    if (hit) return hit
  }
  const offered = list.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ')
  // containers/image: "image index" for an OCI index, "manifest list" for Docker's
  const kind = list.mediaType === MT.OCI_INDEX ? 'image index' : 'manifest list'
  throw new SkiffError(
    'ERR_NO_MATCHING_PLATFORM',
    withOptions`${NO_MATCH_PREFIX}no image found in ${kind} for architecture ${want.architecture}, variant "${want.variant ?? ''}", OS ${want.os} (${image ? `${image} has` : 'the list has'}: ${offered || 'nothing'}); choose one with ${opt('platform')} or copy all with ${opt('multiArch', { value: 'all' })}`,
    image ? { image } : {},
  )
}

/** How chooseInstance's message starts (skopeo's inspect wording; copy says "choosing an image from manifest list IMAGE: "). */
export const NO_MATCH_PREFIX = 'choosing image instance: '
