/**
 * Child process for the concurrency test: copies each `fixture:tag` given on the command line into
 * `oci:LAYOUT:tag`, one after another, through the oci source and destination.
 * Usage: node --import tsx concurrent-writer.ts FIXTURE LAYOUT TAG...
 */
import { parseImageName } from '../../../src/transports/registry.js'
import { copyThrough } from '../dir/interface-copy.js'

const [fixture, layout, ...tags] = process.argv.slice(2)
for (const tag of tags) {
  const src = await parseImageName(`oci:${fixture}:${tag}`).newImageSource()
  const dest = await parseImageName(`oci:${layout}:${tag}`).newImageDestination()
  try {
    await copyThrough(src, dest)
  } finally {
    await dest.close()
    await src.close()
  }
}
