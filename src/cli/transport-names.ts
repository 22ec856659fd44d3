/** The transports this version implements (kept equal to transports/registry.ts's list by a test). */
export const SUPPORTED_TRANSPORTS = [
  'containers-storage',
  'dir',
  'docker',
  'docker-archive',
  'docker-daemon',
  'oci',
  'oci-archive',
  'registry-storage',
  'registry-storage-archive',
  'sif',
] as const
