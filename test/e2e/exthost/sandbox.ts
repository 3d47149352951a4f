// What every extension-host suite needs: the extension's id, and the sandbox the harness describes.
import assert from 'node:assert/strict';

export const EXTENSION_ID = 'okd-operator-dev.okd-operator-dev';

/** OKD_E2E_SANDBOX, as each suite reads it. */
export function sandboxInfo<T>(): T {
  const text = process.env.OKD_E2E_SANDBOX;
  assert.ok(text, 'OKD_E2E_SANDBOX is not set: run through test/e2e/exthost.test.ts');
  return JSON.parse(text) as T;
}
