/**
 * Library messages name options in option terms (`source.registry.daemonHost`, `removeSignatures: true`,
 * see OptionMention in src/errors.ts); the CLI shows the flag that sets each one, so its output is
 * skopeo's wording (`--src-daemon-host`, `--remove-signatures`). A `` `…` `` that is not a known
 * option is left as it is.
 */
import { OptionMention } from '../errors.js'

interface FlagOf {
  /** The flag's name without dashes. */
  flag: string
  /** --src-/--dest- apply when the mention has a side. */
  sided?: boolean
}

/** Every option a library message mentions → its flag (or a fixed rendering). */
const FLAGS: Record<string, FlagOf | ((m: OptionMention) => string)> = {
  'registry.daemonHost': { flag: 'daemon-host', sided: true },
  'registry.certDir': { flag: 'cert-dir', sided: true },
  'registry.tlsVerify': { flag: 'tls-verify', sided: true },
  'registry.credentials': { flag: 'creds', sided: true },
  'registry.bearerToken': { flag: 'registry-token', sided: true },
  'registry.authFile': { flag: 'authfile', sided: true },
  'registry.retryTimes': { flag: 'retry-times' },
  'registry.registriesConfPath': { flag: 'registries-conf' },
  tmpdir: { flag: 'tmpdir' },
  policyPath: { flag: 'policy' },
  insecure: { flag: 'insecure-policy' },
  format: { flag: 'format' },
  removeSignatures: { flag: 'remove-signatures' },
  signIdentity: { flag: 'sign-identity' },
  preserveDigests: { flag: 'preserve-digests' },
  referrers: { flag: 'referrers' },
  digestTags: { flag: 'digest-tags' },
  stripRemovedPlatforms: { flag: 'strip-removed-platforms' },
  imageParallelCopies: { flag: 'image-parallel-copies' },
  multiArch: (m) => (m.value === 'all' ? '--all' : render({ flag: 'multi-arch' }, m)),
  platform: () => '--override-os/--override-arch/--override-variant',
  imagesFrom: { flag: 'images-from' },
  scoped: { flag: 'scoped' },
}

function render(f: FlagOf, m: OptionMention): string {
  const prefix = f.sided && m.side ? (m.side === 'source' ? 'src-' : 'dest-') : ''
  const name = `--${prefix}${f.flag}`
  if (m.value === undefined || m.value === true) return name
  if (m.value === false) return `${name}=false`
  return `${name} ${m.value}`
}

/** The flag (with the suggested value) a mention stands for, or undefined for an option no flag sets. */
export function flagOf(m: OptionMention): string | undefined {
  const f = FLAGS[m.option]
  if (f === undefined) return undefined
  return typeof f === 'function' ? f(m) : render(f, m)
}

/** `text` with every option mention shown as its flag. */
export function flagTerms(text: string): string {
  if (!text.includes('`')) return text
  return text.replace(/`([^`\n]+)`/g, (all, inner: string) => {
    const m = OptionMention.parse(inner)
    return (m && flagOf(m)) ?? all
  })
}
