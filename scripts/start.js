#!/usr/bin/env node
// `npm start`: installs what it needs (npm run setup), packages the extension, then runs the sandbox (a registry
// with demo payloads, a release controller API and a test cluster on loopback) and opens the packaged extension in
// a real VS Code (code-server). Prints the editor's URL and one JSON line when ready; Ctrl+C stops everything.
// Options: --no-editor, --release PULLSPEC (repeatable), --workspace DIR, --port N.
const { spawn } = require('node:child_process');
const { run, root } = require('./ensure');
const { setup } = require('./setup');

async function main() {
  const args = process.argv.slice(2);
  const editor = !args.includes('--no-editor');
  await setup(editor ? undefined : ['debian', 'npm', 'test-cluster']);
  // dist/cli.js for the commands the sandbox prints; each file is written whole, so a running npm test never
  // reads half of one.
  run(process.execPath, ['esbuild.js']);
  if (editor) run(process.execPath, ['scripts/package.js'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts', ...args], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

main().catch((error) => {
  process.stderr.write(`npm start: ${error.message}\n`);
  process.exit(1);
});
