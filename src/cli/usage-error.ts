import { SkiffError } from '../errors.js'

/**
 * A mistake on the command line (unknown flag, bad value, wrong argument count): reported with a
 * hint to the command's --help, exit code 1.
 */
export class UsageError extends SkiffError {
  /** The command whose help to point at ('' for the top level), filled in by the CLI when known. */
  command: string | undefined
  constructor(message: string, command?: string) {
    super('ERR_INVALID_ARGUMENT', message)
    this.command = command
  }
}
