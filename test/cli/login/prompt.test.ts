import assert from 'node:assert/strict'
import { PassThrough, Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { readPasswordFromTerminal, readPasswordStdin } from '../../../src/cli/login/prompt.js'

describe('login prompts', () => {
  it('reads a password from a terminal without echo, with backspace', async () => {
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      modes: [] as boolean[],
      setRawMode(this: { modes: boolean[] }, raw: boolean) {
        this.modes.push(raw)
      },
    })
    const output = new PassThrough()
    const p = readPasswordFromTerminal('Password for bob: ', { input, output })
    input.write('sx\u007fecret\r')
    assert.equal(await p, 'secret')
    assert.deepEqual(input.modes, [true, false])
    assert.equal(output.read().toString(), 'Password for bob: \n')
    await assert.rejects(
      readPasswordFromTerminal('P: ', { input: Object.assign(new PassThrough(), { isTTY: false }), output }),
      /not a terminal/,
    )
  })

  it('--password-stdin joins the lines', async () => {
    assert.equal(await readPasswordStdin(Readable.from([Buffer.from('pass\nword\n')])), 'password')
  })
})
