// Bundles the extension (only `vscode` is external, plus its lazily loaded cluster bundle) and the `okd-dev` CLI.
// Type checking is `tsc --noEmit`.
const esbuild = require('esbuild');

const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// --outdir DIR builds somewhere else than dist/ (packaging stages a clean copy there).
const outdirIndex = process.argv.indexOf('--outdir');
const outdir = outdirIndex >= 0 ? path.resolve(process.argv[outdirIndex + 1]) : path.join(__dirname, 'dist');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const targets = [
  // './cluster.js' is dist/cluster.js, required by src/vscode/cluster/lazy.ts on first use of the Cluster view or a
  // cluster command: activation never parses @kubernetes/client-node.
  // The banner and footer mark when the bundle starts and ends running, so activate() can log how long loading and
  // activating took.
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: path.join(outdir, 'extension.js'),
    external: ['vscode', './cluster.js'],
    banner: { js: 'globalThis.__okdLoadStarted = performance.now();' },
    footer: { js: 'globalThis.__okdLoadEnded = performance.now();' },
  },
  { ...common, entryPoints: ['src/vscode/cluster/main.ts'], outfile: path.join(outdir, 'cluster.js'), external: ['vscode'] },
  // The CLI is always minified: parsing the bundle is most of a cached `okd-dev release info`.
  { ...common, minify: true, entryPoints: ['src/cli/main.ts'], outfile: path.join(outdir, 'cli.js'), banner: { js: '#!/usr/bin/env node' } },
  // The `cluster` commands with @kubernetes/client-node, a bundle of its own that dist/cli.js requires only when a
  // cluster command runs, so `okd-dev release ...` never parses it.
  { ...common, minify: true, entryPoints: ['src/cli/commands/cluster.ts'], outfile: path.join(outdir, 'cli-cluster.js') },
  // `okd-dev dev ...` (builds, the inner loop) uses the cluster core too: its own lazily loaded bundle.
  { ...common, minify: true, entryPoints: ['src/cli/commands/devCommands.ts'], outfile: path.join(outdir, 'cli-dev.js') },
];

async function main() {
  if (watch) {
    for (const options of targets) {
      const ctx = await esbuild.context(options);
      await ctx.watch();
    }
    console.log('[watch] watching src/ for changes');
    return;
  }
  // Each file is written to a temporary name and renamed: a test or an editor reading dist/ while another build
  // runs (npm start beside npm test) sees the old file or the new one, never half of one.
  const results = await Promise.all(targets.map((options) => esbuild.build({ ...options, write: false })));
  fs.mkdirSync(outdir, { recursive: true });
  for (const file of results.flatMap((result) => result.outputFiles)) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, file.contents, { mode: file.path.endsWith('cli.js') ? 0o755 : 0o644 });
    fs.renameSync(temporary, file.path);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
