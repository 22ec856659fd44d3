// The layer order of src/ (docs/ARCHITECTURE.md, "Layers"): a module may import its own layer and the
// layers below it, never one above. `npm run lint` runs this; a new upward import fails CI.
const layers = [
  ['cli'],
  ['index'], // the library's entry point: everything but the CLI
  ['sync'],
  ['copy', 'inspect'],
  ['policy'],
  ['transports'],
  ['registry'],
  ['signature'], // the signature model, payloads, GPG verification and signing: below transports, above config
  ['config'],
  ['manifest', 'reference', 'compression'],
  ['digest', 'util', 'go'],
  ['errors', 'version'],
]
const folder = (names) => `^src/(${names.join('|')})(/|\\.ts$)`
const forbidden = layers.slice(1).map((names, i) => ({
  name: `no-upward-from-${names.join('-')}`,
  comment: `${names.join(', ')} must not import ${layers
    .slice(0, i + 1)
    .flat()
    .join(', ')} (dependencies point down)`,
  severity: 'error',
  from: { path: folder(names) },
  to: { path: folder(layers.slice(0, i + 1).flat()) },
}))
forbidden.push(
  {
    name: 'no-circular-runtime',
    comment: "a runtime import cycle; type-only cycles inside one folder go into that folder's types.ts",
    severity: 'error',
    from: { path: '^src/' },
    to: { circular: true, dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'no-orphans',
    comment: 'a module nothing imports (dead code)',
    severity: 'error',
    from: { orphan: true, path: '^src/', pathNot: ['^src/cli/main\\.ts$', '^src/index\\.ts$', '\\.d\\.ts$'] },
    to: {},
  },
)
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
}
