/**
 * `skiff inspect IMAGE-NAME`: the inspect object as JSON (Go's MarshalIndent) or through a Go
 * template (--format), the raw manifest (--raw), the config (--config, --config --raw).
 */
import { inspectImage } from '../../inspect/inspect.js'
import { parseImageName } from '../../transports/registry.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { jsonOutput } from '../../go/json.js'
import { isJsonFormat, renderUserFormat } from '../format/template.js'
import { singleImageOptions } from '../options/image.js'
import { runWithRetry, withBudget } from '../options/retry.js'
import { UsageError } from '../usage-error.js'
import { logrusLine } from '../logrus-line.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one argument expected')
  const { opts: transportOpts, retry } = singleImageOptions(flags, ctx)
  const g = ctx.global
  const platform = Object.keys(g.platform).length ? { ...g.platform } : undefined
  if (platform) transportOpts.platform = platform

  const ref = parseImageName(args[0]!)
  const format = flags.str('format')
  const result = await runWithRetry(
    retry,
    async (budget) => {
      const source = await ref.newImageSource(withBudget(transportOpts, budget))
      try {
        return await inspectImage(source, {
          raw: flags.bool('raw') ?? false,
          config: flags.bool('config') ?? false,
          listTags: !(flags.bool('no-tags') ?? false),
          onWarning: (message) => ctx.stderr.write(`${logrusLine('warning', message)}\n`),
          ...(platform ? { platform } : {}),
        })
      } finally {
        await source.close()
      }
    },
    { signal: ctx.signal },
  )
  if (result.kind === 'raw') ctx.stdout.write(result.bytes)
  // `--format json` / `{{json .}}` is the plain (indented) output, as skopeo's report.IsJSON
  else if (format && !isJsonFormat(format)) ctx.stdout.write(renderUserFormat(format, result.value))
  else ctx.stdout.write(jsonOutput(result.value))
  return 0
}
