// A tool installed through scripts/setup/install-step.js, for test/integration/setup-install.test.ts:
//   node fake-tool.js DIR KEY MODE    MODE: ok | hold (the install waits until the file DIR.go exists) | die (SIGKILL
//   itself half-way through the install)
// Each install appends a line to DIR.installs, so a test can count them.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { installStep } = require(path.join(__dirname, '..', '..', '..', 'scripts', 'setup', 'install-step.js'));

const [dir, key, mode] = process.argv.slice(2);
installStep({
  name: 'fake tool',
  dir,
  key,
  async install(partial) {
    fs.appendFileSync(`${dir}.installs`, `${process.pid}\n`);
    fs.writeFileSync(path.join(partial, 'half'), 'written before the end');
    if (mode === 'die') process.kill(process.pid, 'SIGKILL');
    // Held until the test lets it go, so that a second setup certainly finds the lock taken.
    while (mode === 'hold' && !fs.existsSync(`${dir}.go`)) await new Promise((resolve) => setTimeout(resolve, 50));
    fs.writeFileSync(path.join(partial, 'tool'), key);
  },
}).then(
  (installed) => process.stdout.write(`${installed}\n`),
  (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
