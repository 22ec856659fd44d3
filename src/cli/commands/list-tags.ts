/**
 * `skiff list-tags SOURCE-IMAGE`: the tags in a docker-archive file, printed as skopeo does
 * (`{"Tags": [...]}`, Go's 4-space MarshalIndent). Registries (docker://) come in the next version.
 */
import { SkiffError } from '../../errors.js'
import { listArchiveTags } from '../../transports/docker-archive/list-tags.js'
import { goMarshalIndent } from '../../util/go-json.js'
import type { CommandContext } from '../command-table.js'
import type { FlagValues } from '../flags.js'
import { registryAccessFrom, sharedAuthFile } from '../options/image.js'
import { retryOptionsFrom } from '../options/retry.js'
import { UsageError } from '../usage-error.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one non-option argument expected')
  // validate the registry flags now (skopeo does), even though only docker:// would use them
  const shared = sharedAuthFile(flags)
  registryAccessFrom(flags, { prefix: '', ...(shared ? { sharedAuthFile: shared } : {}) })
  retryOptionsFrom(flags)

  const name = args[0]!
  const i = name.indexOf(':')
  const transport = i > 0 ? name.slice(0, i) : ''
  const details = i > 0 ? name.slice(i + 1) : ''
  if (transport === 'docker') {
    throw new SkiffError('ERR_UNSUPPORTED', `listing the tags of a registry ("skiff list-tags ${name}") is not available in this version of skiff yet: registries come in the next version; use skopeo list-tags for now`)
  }
  if (transport !== 'docker-archive') {
    throw new SkiffError('ERR_UNSUPPORTED', `Unsupported transport '${transport || name}' for tag listing. Only supported: docker, docker-archive`)
  }
  const colon = details.indexOf(':')
  const path = colon < 0 ? details : details.slice(0, colon)
  if (path === '') throw new UsageError(`invalid image name "${name}": docker-archive: needs a path`)
  const tags = await listArchiveTags(path, { ...(ctx.global.tmpdir ? { tmpdir: ctx.global.tmpdir } : {}), signal: ctx.signal })
  ctx.stdout.write(`${goMarshalIndent({ Tags: tags })}\n`)
  return 0
}
