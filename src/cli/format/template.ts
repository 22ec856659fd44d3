/**
 * --format: a command's output through a user's Go template, as skopeo does it (containers/common
 * pkg/report); the template engine itself is src/go/template/.
 *
 * renderUserFormat(format, data) is what
 * `skopeo inspect --format` prints: `\t`/`\n` typed as two characters become a tab/newline, a
 * newline is appended when the format does not end with one, and the template runs once per item
 * inside `{{range .}}…{{end -}}` over [data] (unless the format already ranges over `.`). When the
 * normalized text does not parse (e.g. `{{"\n"}}` became a real newline inside a string) the
 * original text is used, as newer containers/common does. A format of `json` or `{{json .}}`
 * means "the JSON output" (isJsonFormat).
 */
import { TemplateExecutor } from '../../go/template/exec.js'
import { parseTemplate } from '../../go/template/parse.js'

/** report.IsJSON: `json` or `{{json .}}` (spaces allowed) asks for the plain JSON output. */
export function isJsonFormat(format: string): boolean {
  return /^(\s*json\s*|\s*\{\{\s*json\s*(\.)?\s*\}\}\s*)$/.test(format)
}

function normalizeFormat(format: string): string {
  let f = format.replaceAll('\\t', '\t').replaceAll('\\n', '\n')
  if (!f.endsWith('\n')) f += '\n'
  return f
}

function enforceRange(format: string): string {
  if (/\{\{\s*range\s*\.\s*\}\}[\s\S]*\{\{\s*end\s*-?\s*\}\}/.test(format)) return format
  return `{{range .}}${format}{{end -}}`
}

/** What skopeo prints for `--format FORMAT` given one output object (for inspect) or several. */
export function renderUserFormat(
  format: string,
  data: unknown,
  name = 'skopeo inspect',
  opts: { many?: boolean } = {},
): string {
  const items = opts.many && Array.isArray(data) ? data : [data]
  let text = enforceRange(normalizeFormat(format))
  let nodes
  try {
    nodes = parseTemplate(name, text)
  } catch (e) {
    text = enforceRange(format)
    try {
      nodes = parseTemplate(name, text)
    } catch {
      throw e
    }
  }
  return new TemplateExecutor(name, text).execute(nodes, items)
}
