/** Layering of the pure core (docs/architecture.md). Lower layers never import higher ones,
 *  and nothing up to engine/ imports node built-ins (no I/O). */
const pure = '^src/(core|domain|pricing|liquidity|risk|margin|backstop|engine)/';
const layers = [
  'core',
  'domain',
  'pricing|liquidity|risk',
  'margin',
  'backstop',
  'engine',
  'runtime',
  'io|sim|report|server|cli',
];
const forbidden = [
  {
    name: 'pure-core-no-io',
    comment: 'The pure core does no I/O: no node built-ins below runtime/.',
    severity: 'error',
    from: { path: pure, pathNot: '\\.test\\.ts$' },
    to: { dependencyTypes: ['core'] },
  },
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
];
layers.forEach((layer, i) => {
  const higher = layers.slice(i + 1).join('|');
  if (!higher) return;
  forbidden.push({
    name: `layer-${layer.replace(/\|/g, '-')}`,
    comment: `src/(${layer}) must not import higher layers (${higher}).`,
    severity: 'error',
    from: { path: `^src/(${layer})/` },
    to: { path: `^src/(${higher})/` },
  });
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: 'node_modules' },
  },
};
