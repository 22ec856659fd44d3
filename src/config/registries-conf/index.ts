/** registries.conf v2: load, match a reference, pull sources, short names. */
export type { Endpoint, PullFromMirror, RegistriesConf, RegistryEntry, ShortNameAlias, ShortNameMode } from './types.js'
export { type ParsedConfFile, parseRegistriesConfText, parseShortNameValue } from './parse.js'
export {
  buildRegistriesConf,
  type ConfLocations,
  emptyRegistriesConf,
  loadRegistriesConf,
  mergeConfFile,
  type RegistriesConfOptions,
  registriesConfLocations,
  SYSTEM_REGISTRIES_CONF,
  SYSTEM_REGISTRIES_CONF_DIR,
} from './load.js'
export {
  checkNotBlocked,
  findRegistry,
  isBlocked,
  isInsecure,
  type PullSource,
  pullSources,
  refMatchingPrefix,
  registryAccess,
  rewriteForEndpoint,
  rewriteReference,
} from './match.js'
export { isShortName, resolveShortName, type ResolveShortNameOptions, type ShortNameResolution } from './shortnames.js'
export { parseToml, TomlError, type TomlTable, type TomlValue } from './toml.js'
