/** The registries.conf v2 model (containers-registries.conf(5); containers/image sysregistriesv2). */

export type PullFromMirror = 'all' | 'digest-only' | 'tag-only'
export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled'

/** A place images can be read from: the primary location of a [[registry]] or one of its mirrors. */
export interface Endpoint {
  /** host[:port][/namespace…]; "" only for a wildcard prefix without location (no rewrite). */
  location: string
  /** Plain HTTP and unverified TLS allowed. */
  insecure: boolean
  /** Mirrors only: which pulls may use this mirror (undefined = "all"). */
  pullFromMirror?: PullFromMirror
}

export interface RegistryEntry extends Endpoint {
  /** What user-given names must start with (defaults to location); may be `*.example.com`. */
  prefix: string
  mirrors: Endpoint[]
  blocked: boolean
  /** Mirrors are used only for digest references. */
  mirrorByDigestOnly: boolean
}

export interface ShortNameAlias {
  /** Fully qualified repository (normalized, no tag); undefined when a drop-in erased the alias (""). */
  value: string | undefined
  /** The file that set it. */
  origin: string
}

export interface RegistriesConf {
  /** Unique by prefix, sorted by prefix (as containers/image keeps them). */
  registries: RegistryEntry[]
  /** host[:port] entries tried for short names, in order. */
  unqualifiedSearchRegistries: string[]
  /** The file that set unqualified-search-registries (for messages). */
  unqualifiedSearchRegistriesOrigin?: string
  /** Global credential helpers; ["containers-auth.json"] when none are configured. */
  credentialHelpers: string[]
  shortNameMode: ShortNameMode
  /** short name → alias. */
  aliases: Map<string, ShortNameAlias>
  /** The files read, in order (for messages). */
  sources: string[]
}
