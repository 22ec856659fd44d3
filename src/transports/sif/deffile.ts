/**
 * The SIF definition file's %environment and %runscript sections become a script the image runs,
 * exactly as containers/image's sif conversion does: lines are trimmed; environment lines that are
 * empty or comments are dropped; runscript lines are kept as they are (empty ones too).
 */

/** Where the generated script goes inside the image, and what the image runs then. */
export const INJECTED_SCRIPT_PATH = '/podman/runscript'

export function parseDefFile(text: string): { environment: string[]; runscript: string[] } {
  const environment: string[] = []
  const runscript: string[] = []
  let state: 'other' | 'environment' | 'runscript' = 'other'
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop() // no token after a final newline (bufio.Scanner)
  for (const raw of lines) {
    const s = raw.replace(/\r$/, '').trim()
    if (s === '%environment') state = 'environment'
    else if (s === '%runscript') state = 'runscript'
    else if (s.startsWith('%')) state = 'other'
    else if (state === 'environment') {
      if (s !== '' && !s.startsWith('#')) environment.push(s)
    } else if (state === 'runscript') runscript.push(s)
  }
  return { environment, runscript }
}

/** The command to run and the script to inject (undefined when the deffile gives neither). */
export function commandFromDefFile(text: string | undefined): { command: string; script: Buffer | undefined } {
  const { environment, runscript } = text === undefined ? { environment: [], runscript: [] } : parseDefFile(text)
  if (environment.length === 0 && runscript.length === 0) return { command: 'bash', script: undefined }
  return {
    command: INJECTED_SCRIPT_PATH,
    script: Buffer.from(`#!/bin/bash\n${environment.join('\n')}\n${runscript.join('\n')}\n`),
  }
}
