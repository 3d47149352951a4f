import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/cli';

/** The entries of a zip file, read by Python's zipfile (an independent reader of the .vsix). */
function zipEntries(file: string): string[] {
  const script = 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))';
  return execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }).trim().split('\n').sort();
}

void test('npm run package makes a .vsix holding the bundle, media, README and license only', { timeout: 180_000 }, () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-vsix-')), 'okd-operator-dev.vsix');
  execFileSync(process.execPath, ['scripts/package.js', '--out', out], { cwd: repoRoot, stdio: 'pipe' });
  assert.deepEqual(zipEntries(out), [
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/LICENSE.txt',
    'extension/dist/cluster.js',
    'extension/dist/extension.js',
    'extension/media/icon.png',
    'extension/media/okd.svg',
    'extension/package.json',
    'extension/readme.md',
  ]);
  const manifest = execFileSync('python3', ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("extension/package.json").decode())', out], { encoding: 'utf8' });
  assert.equal((JSON.parse(manifest) as { main: string }).main, './dist/extension.js');
});
