// The extension is installed, activates, and every command it contributes is registered.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../sandbox';


function extension(): vscode.Extension<unknown> {
  const found = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(found, `extension ${EXTENSION_ID} is not installed in this extension host`);
  return found;
}

describe('extension activation', () => {
  it('is present and activates', async () => {
    const ext = extension();
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers every command contributed in package.json', async () => {
    const ext = extension();
    await ext.activate();
    // Read the manifest from disk rather than ext.packageJSON so the test sees exactly what ships.
    const manifest = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as {
      contributes?: { commands?: { command: string }[] };
    };
    const contributed = (manifest.contributes?.commands ?? []).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((command) => !registered.has(command));
    assert.deepEqual(missing, [], `commands contributed in package.json but never registered: ${missing.join(', ')}`);
  });

  it('runs okd.showLog without error', async () => {
    await extension().activate();
    await vscode.commands.executeCommand('okd.showLog');
  });
});
