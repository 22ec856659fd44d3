/**
 * Every command skiff's CLI knows, as data: name, help texts, flags, what its arguments are (for
 * completion), and a lazy loader for its implementation (so `skiff --version` loads none of them).
 */
import type { CommandSpec } from './commands/types.js'
import { copyFlags } from './options/copy.js'
import { dockerImageFlags, imageFlags, sharedImageFlags } from './options/image.js'
import { loginFlags, logoutFlags } from './options/login.js'
import { retryFlags } from './options/retry.js'
import { syncFlags } from './options/sync.js'
import { SUPPORTED_TRANSPORTS } from './transport-names.js'

const transportsText = `Supported transports:\n${SUPPORTED_TRANSPORTS.join(', ')}\n\nSee skopeo(1) section "IMAGE NAMES" for the expected format`

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'completion',
    summary: 'Generate the autocompletion script for the specified shell',
    description:
      'Generate the autocompletion script for skiff for the specified shell (bash, zsh or fish).\n\nTo load completions in your current bash session:\n\n\tsource <(skiff completion bash)',
    usage: 'completion bash|zsh|fish',
    example: 'skiff completion bash > /etc/bash_completion.d/skiff',
    flags: [{ name: 'no-descriptions', kind: 'bool', help: 'disable completion descriptions' }],
    args: ['shell'],
    hidden: true,
    load: () => import('./commands/completion.js'),
  },
  {
    name: 'copy',
    summary: 'Copy an IMAGE-NAME from one location to another',
    description: `Container "IMAGE-NAME" uses a "transport":"details" format.\n\n${transportsText}`,
    usage: 'copy [command options] SOURCE-IMAGE DESTINATION-IMAGE',
    example: 'skiff copy oci:/srv/layout:v1 docker-archive:/tmp/app.tar:example.com/app:v1',
    flags: copyFlags,
    args: ['image', 'image'],
    load: () => import('./commands/copy.js'),
  },
  {
    name: 'delete',
    summary: 'Delete image IMAGE-NAME',
    description: `Delete an "IMAGE_NAME" from a transport\nSupported transports:\ndocker\nSee skopeo(1) section "IMAGE NAMES" for the expected format`,
    usage: 'delete [command options] IMAGE-NAME',
    example: 'skiff delete docker://registry.example.com/example/pause:latest',
    flags: [...sharedImageFlags, ...imageFlags(''), ...retryFlags],
    args: ['image'],
    load: () => import('./commands/delete.js'),
  },
  {
    name: 'inspect',
    summary: 'Inspect image IMAGE-NAME',
    description: `Return low-level information about "IMAGE-NAME" in a registry/transport\n${transportsText}`,
    usage: 'inspect [command options] IMAGE-NAME',
    example:
      'skiff inspect oci:/srv/layout:v1\n  skiff inspect --config oci:/srv/layout:v1\n  skiff inspect --format "Name: {{.Name}} Digest: {{.Digest}}" oci:/srv/layout:v1',
    flags: [
      ...sharedImageFlags,
      ...imageFlags(''),
      ...retryFlags,
      { name: 'raw', kind: 'bool', help: 'output raw manifest or configuration' },
      { name: 'config', kind: 'bool', help: 'output configuration' },
      { name: 'format', short: 'f', kind: 'string', help: 'Format the output to a Go template' },
      {
        name: 'no-tags',
        short: 'n',
        kind: 'bool',
        help: 'Do not list the available tags from the repository in the output',
      },
    ],
    args: ['image'],
    load: () => import('./commands/inspect.js'),
  },
  {
    name: 'list-tags',
    summary: 'List tags in the transport/repository specified by the SOURCE-IMAGE',
    description:
      'Return the list of tags from the transport/repository "SOURCE-IMAGE"\n\nSupported transports:\ndocker docker-archive\n\nSee skopeo-list-tags(1) section "REPOSITORY NAMES" for the expected format',
    usage: 'list-tags [command options] SOURCE-IMAGE',
    example: 'skiff list-tags docker://docker.io/fedora\n  skiff list-tags docker-archive:/tmp/images.tar',
    flags: [...sharedImageFlags, ...dockerImageFlags(''), ...retryFlags],
    args: ['image'],
    load: () => import('./commands/list-tags.js'),
  },
  {
    name: 'list-repos',
    summary: 'List the repositories of a container registry',
    description:
      'Return the repositories of the registry REGISTRY (host[:port]), from its catalog (/v2/_catalog, every page), as JSON.\nThe registry must serve the catalog (docker-registry does; many hosted registries do not, or only to some users).',
    usage: 'list-repos [command options] REGISTRY',
    example: 'skiff list-repos registry.example.com:5000',
    flags: [...sharedImageFlags, ...dockerImageFlags(''), ...retryFlags],
    args: ['other'],
    load: () => import('./commands/list-repos.js'),
  },
  {
    name: 'login',
    summary: 'Login to a container registry',
    description: 'Login to a container registry on a specified server.',
    usage: 'login [command options] REGISTRY',
    example: 'skiff login quay.io',
    flags: loginFlags,
    args: ['other'],
    load: () => import('./commands/login.js'),
  },
  {
    name: 'logout',
    summary: 'Logout of a container registry',
    description: 'Logout of a container registry on a specified server.',
    usage: 'logout [command options] REGISTRY',
    example: 'skiff logout quay.io',
    flags: logoutFlags,
    args: ['other'],
    load: () => import('./commands/logout.js'),
  },
  {
    name: 'verify-bundle',
    summary: 'Verify a release bundle (registry-storage-archive) offline',
    description:
      'Check every blob and manifest digest of a release bundle written by "sync --dest registry-storage-archive" (or copy … registry-storage-archive:), every link, and that every tagged image is complete.',
    usage: 'verify-bundle BUNDLE',
    example: 'skiff verify-bundle release.tar.zst',
    flags: [],
    args: ['file'],
    load: () => import('./commands/verify-bundle.js'),
  },
  {
    name: 'manifest-digest',
    summary: 'Compute a manifest digest of a file',
    usage: 'manifest-digest MANIFEST-FILE',
    example: 'skiff manifest-digest manifest.json',
    flags: [],
    args: ['file'],
    load: () => import('./commands/manifest-digest.js'),
  },
  {
    name: 'generate-sigstore-key',
    summary: 'Generate a sigstore public/private key pair',
    usage: 'generate-sigstore-key [command options] --output-prefix PREFIX',
    example: 'skiff generate-sigstore-key --output-prefix my-key',
    flags: [
      {
        name: 'output-prefix',
        kind: 'string',
        argName: 'PREFIX',
        help: 'Write the keys to PREFIX.pub and PREFIX.private',
        complete: 'file',
      },
      {
        name: 'passphrase-file',
        kind: 'string',
        argName: 'PATH',
        help: 'Read a passphrase for the private key from PATH',
        complete: 'file',
      },
    ],
    args: [],
    load: () => import('./commands/generate-sigstore-key.js'),
  },
  {
    name: 'standalone-sign',
    summary: 'Create a signature using local files',
    usage: 'standalone-sign [command options] MANIFEST DOCKER-REFERENCE KEY-FINGERPRINT --output|-o SIGNATURE',
    flags: [
      {
        name: 'output',
        short: 'o',
        kind: 'string',
        argName: 'SIGNATURE',
        help: 'output the signature to SIGNATURE',
        complete: 'file',
      },
      {
        name: 'passphrase-file',
        kind: 'string',
        help: 'file that contains a passphrase for the --sign-by key',
        complete: 'file',
      },
    ],
    args: ['file'],
    load: () => import('./commands/standalone-sign.js'),
  },
  {
    name: 'standalone-verify',
    summary: 'Verify a signature using local files',
    usage: 'standalone-verify MANIFEST DOCKER-REFERENCE KEY-FINGERPRINTS SIGNATURE',
    flags: [
      {
        name: 'public-key-file',
        kind: 'string',
        argName: 'PUBLIC KEYRING',
        help: 'File containing public keys. If not specified, will use local GPG keys.',
        complete: 'file',
      },
    ],
    args: ['file'],
    load: () => import('./commands/standalone-verify.js'),
  },
  {
    name: 'untrusted-signature-dump-without-verification',
    summary: 'Dump contents of a signature WITHOUT VERIFYING IT',
    usage: 'untrusted-signature-dump-without-verification SIGNATURE',
    flags: [],
    args: ['file'],
    hidden: true,
    load: () => import('./commands/untrusted-signature-dump.js'),
  },
  {
    name: 'sync',
    summary: 'Synchronize one or more images from one location to another',
    description:
      'Copy all the images from a SOURCE to a DESTINATION.\n\nAllowed SOURCE transports (specified with --src): docker, dir, yaml, oci, list, registry-storage.\nAllowed DESTINATION transports (specified with --dest): docker, dir, oci, registry-storage.\n\nSee skopeo-sync(1) for details.',
    usage: 'sync [command options] --src TRANSPORT --dest TRANSPORT SOURCE DESTINATION',
    example:
      'skiff sync --src docker --dest dir --scoped registry.example.com/busybox /media/usb\n  skiff sync --src list --src-registry docker.io --dest docker images-list.txt localhost:5000\n  skiff sync --src registry-storage --dest registry-storage --images-from release.list /var/lib/registry ./out',
    flags: syncFlags,
    args: ['file', 'other'],
    load: () => import('./commands/sync.js'),
  },
  {
    name: 'untag',
    summary: 'Remove a tag from a registry repository',
    description:
      'Remove only the tag of "IMAGE-NAME" (docker://REPO:TAG); the image and its other tags stay.\nNeeds a registry that can delete tags (OCI distribution spec 1.1); registries that delete manifests by digest only (docker-registry 2.x) refuse, and nothing is changed.',
    usage: 'untag [command options] IMAGE-NAME',
    example: 'skiff untag docker://registry.example.com/example/app:old',
    flags: [...sharedImageFlags, ...dockerImageFlags(''), ...retryFlags],
    args: ['image'],
    load: () => import('./commands/untag.js'),
  },
]

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name)
}
