// OkdError across bundles: the editor's registry client (dist/extension.js) throws its copy of the class into code
// from dist/cluster.js (release build's "is the target tag free?" check). An error of the other copy carries the same
// Symbol.for brand; `instanceof OkdError` must hold for it, and subclasses must stay exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevLoopError } from '../../src/core/devloop/stages';
import { isOkdError, OkdError } from '../../src/core/errors';

/** What another bundle's `new OkdError('not-found', ...)` looks like from here: a different class, the same brand. */
function otherBundleError(kind: string, message: string): Error {
  class OkdError extends Error {
    constructor(readonly kind: string, message: string) {
      super(message);
      Object.defineProperty(this, Symbol.for('okd-dev.OkdError'), { value: true, enumerable: true });
    }
  }
  return new OkdError(kind, message);
}

test('an OkdError from another bundle is an OkdError here (instanceof and isOkdError), with its kind', () => {
  const err = otherBundleError('not-found', 'tag x not found in 127.0.0.1:5000/okd/dev');
  assert.ok(err instanceof OkdError);
  assert.ok(isOkdError(err));
  assert.equal(err instanceof OkdError && err.kind, 'not-found');
});

test('plain errors and look-alikes without the brand are not OkdErrors', () => {
  assert.equal(new Error('x') instanceof OkdError, false);
  assert.equal(Object.assign(new Error('x'), { kind: 'not-found' }) instanceof OkdError, false);
  assert.equal((null as unknown) instanceof OkdError, false);
  assert.equal(('not-found' as unknown) instanceof OkdError, false);
});

test('subclasses keep the exact prototype check: an OkdError is not a DevLoopError', () => {
  const plain = new OkdError('failed', 'x');
  assert.equal(plain instanceof DevLoopError, false);
  assert.equal(otherBundleError('failed', 'x') instanceof DevLoopError, false);
  const stage = new DevLoopError('build', [], plain);
  assert.ok(stage instanceof DevLoopError);
  assert.ok(stage instanceof OkdError);
});
