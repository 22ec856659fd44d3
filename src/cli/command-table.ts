/**
 * Every command skiff's CLI knows, as data: name, help texts, flags, what its arguments are (for
 * completion), and a lazy loader for its implementation (so `skiff --version` loads none of them).
 */
import type { FlagSpec, FlagValues } from './flags.js'
import type { GlobalOptions } from './options/global.js'
import { copyFlags } from './options/copy.js'
import { dockerImageFlags, imageFlags, sharedImageFlags } from './options/image.js'
import { retryFlags } from './options/retry.js'

/** The transports this version implements (kept equal to transports/registry.ts's list by a test). */
export const SUPPORTED_TRANSPORTS = ['dir', 'docker', 'docker-archive', 'docker-daemon', 'oci', 'oci-archive'] as const

export interface CommandContext {
  /** The command being run (`copy`, …). */
  commandName: string
  global: GlobalOptions
  /** Aborted on Ctrl-C, SIGTERM and --command-timeout. */
  signal: AbortSignal
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream
}

export interface CommandModule {
  /** Returns the exit code (0 when undefined). Throws SkiffError for failures. */
  run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number | void>
}

/** What a positional argument is, for completion. */
export type ArgKind = 'image' | 'file' | 'shell' | 'other'

export interface CommandSpec {
  name: string
  summary: string
  description?: string
  /** After the command name in the usage line. */
  usage: string
  example?: string
  flags: readonly FlagSpec[]
  args: readonly ArgKind[]
  /** A skopeo command a later version of skiff will have: listed, fails clearly. */
  planned?: boolean
  /** Not listed in help nor offered by completion (as skopeo's `completion`). */
  hidden?: boolean
  load(): Promise<CommandModule>
}

const transportsText = `Supported transports:\n${SUPPORTED_TRANSPORTS.join(', ')}\n\nSee skopeo(1) section "IMAGE NAMES" for the expected format`

const planned = (): Promise<CommandModule> => import('./commands/planned.js')

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'completion',
    summary: 'Generate the autocompletion script for the specified shell',
    description: 'Generate the autocompletion script for skiff for the specified shell (bash, zsh or fish).\n\nTo load completions in your current bash session:\n\n\tsource <(skiff completion bash)',
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
    usage: 'delete [command options] IMAGE-NAME',
    flags: [],
    args: ['image'],
    planned: true,
    load: planned,
  },
  {
    name: 'inspect',
    summary: 'Inspect image IMAGE-NAME',
    description: `Return low-level information about "IMAGE-NAME" in a registry/transport\n${transportsText}`,
    usage: 'inspect [command options] IMAGE-NAME',
    example: 'skiff inspect oci:/srv/layout:v1\n  skiff inspect --config oci:/srv/layout:v1\n  skiff inspect --format "Name: {{.Name}} Digest: {{.Digest}}" oci:/srv/layout:v1',
    flags: [
      ...sharedImageFlags,
      ...imageFlags(''),
      ...retryFlags,
      { name: 'raw', kind: 'bool', help: 'output raw manifest or configuration' },
      { name: 'config', kind: 'bool', help: 'output configuration' },
      { name: 'format', short: 'f', kind: 'string', help: 'Format the output to a Go template' },
      { name: 'no-tags', short: 'n', kind: 'bool', help: 'Do not list the available tags from the repository in the output' },
    ],
    args: ['image'],
    load: () => import('./commands/inspect.js'),
  },
  {
    name: 'list-tags',
    summary: 'List tags in the transport/repository specified by the SOURCE-IMAGE',
    description: 'Return the list of tags from the transport/repository "SOURCE-IMAGE"\n\nSupported transports:\ndocker-archive (docker: in the next version)\n\nSee skopeo-list-tags(1) section "REPOSITORY NAMES" for the expected format',
    usage: 'list-tags [command options] SOURCE-IMAGE',
    example: 'skiff list-tags docker-archive:/tmp/images.tar',
    flags: [...sharedImageFlags, ...dockerImageFlags(''), ...retryFlags],
    args: ['image'],
    load: () => import('./commands/list-tags.js'),
  },
  { name: 'login', summary: 'Login to a container registry', usage: 'login [command options] REGISTRY', flags: [], args: ['other'], planned: true, load: planned },
  { name: 'logout', summary: 'Logout of a container registry', usage: 'logout [command options] REGISTRY', flags: [], args: ['other'], planned: true, load: planned },
  {
    name: 'manifest-digest',
    summary: 'Compute a manifest digest of a file',
    usage: 'manifest-digest MANIFEST-FILE',
    example: 'skiff manifest-digest manifest.json',
    flags: [],
    args: ['file'],
    load: () => import('./commands/manifest-digest.js'),
  },
  { name: 'standalone-sign', summary: 'Create a signature using local files', usage: 'standalone-sign [command options] MANIFEST DOCKER-REFERENCE KEY-FINGERPRINT --output|-o SIGNATURE', flags: [], args: ['file'], planned: true, load: planned },
  { name: 'standalone-verify', summary: 'Verify a signature using local files', usage: 'standalone-verify MANIFEST DOCKER-REFERENCE KEY-FINGERPRINT SIGNATURE', flags: [], args: ['file'], planned: true, load: planned },
  {
    name: 'sync',
    summary: 'Synchronize one or more images from one location to another',
    usage: 'sync [command options] --src TRANSPORT --dest TRANSPORT SOURCE DESTINATION',
    flags: [],
    args: ['other', 'other'],
    planned: true,
    load: planned,
  },
]

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name)
}
