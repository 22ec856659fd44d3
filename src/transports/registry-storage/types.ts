/** Types shared by the registry-storage reference (transport.ts), source and destination. */

/** What names an image in a repository: a tag, or a manifest digest. */
export type StorageSelector = { tag: string; digest?: undefined } | { digest: string; tag?: undefined }
