import { test } from 'node:test'
import assert from 'node:assert/strict'
import { COMMANDS } from '../../src/cli/command-table.js'
import { SUPPORTED_TRANSPORTS } from '../../src/cli/transport-names.js'
import { listTransports } from '../../src/transports/registry.js'

test('the transports named in help are the ones registered', () => {
  assert.deepEqual([...SUPPORTED_TRANSPORTS].sort(), listTransports())
})

test('no command has two flags with the same name or shorthand', () => {
  for (const c of COMMANDS) {
    const names = c.flags.flatMap((f) => [f.name, ...(f.short ? [f.short] : [])])
    assert.equal(new Set(names).size, names.length, c.name)
  }
})
