/** skiff's version (kept equal to package.json's by a test). */
export const VERSION = '0.1.0'

/**
 * The skopeo release whose command line skiff matches (commands, flags, their defaults, output
 * formats, exit codes), printed by `skiff --version` in skopeo's form so scripts that parse
 * `skopeo version N` keep working. See README "Version".
 */
export const SKOPEO_COMPATIBLE_VERSION = '1.22.0'

/** `skiff --version`: `skiff version V (skopeo version X compatible)`. */
export function versionLine(): string {
  return `skiff version ${VERSION} (skopeo version ${SKOPEO_COMPATIBLE_VERSION} compatible)\n`
}
