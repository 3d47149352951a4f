// A small RFC 6902 applier (objects and arrays; add, remove, replace, test) for unit tests of planned patches:
// the result is what the API server would store, and a failed `test` throws as the server refuses it.
import { isDeepStrictEqual } from 'node:util';
import type { JsonPatchOp } from '../../../src/core/cluster/types';

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

export function applyJsonPatch<T>(doc: T, ops: JsonPatchOp[]): T {
  const root = structuredClone(doc) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map(unescape);
    const last = parts.pop();
    if (last === undefined) throw new Error(`patch: empty path in ${JSON.stringify(op)}`);
    let parent: unknown = root;
    for (const p of parts) {
      parent = (parent as Record<string, unknown>)?.[p];
      if (parent === undefined) throw new Error(`patch: ${op.op} ${op.path}: missing parent ${p}`);
    }
    const target = parent as Record<string, unknown>;
    const arrayIndex = Array.isArray(target) ? (last === '-' ? (target as unknown[]).length : Number(last)) : -1;
    switch (op.op) {
      case 'test':
        if (!isDeepStrictEqual(target[last], op.value)) throw new Error(`patch: test ${op.path} failed`);
        break;
      case 'add':
        if (Array.isArray(target)) (target as unknown[]).splice(arrayIndex, 0, op.value);
        else target[last] = op.value;
        break;
      case 'replace':
        if (!(last in target)) throw new Error(`patch: replace ${op.path}: no such member`);
        target[last] = op.value;
        break;
      case 'remove':
        if (!(last in target)) throw new Error(`patch: remove ${op.path}: no such member`);
        if (Array.isArray(target)) (target as unknown[]).splice(arrayIndex, 1);
        else delete target[last];
        break;
    }
  }
  return root as unknown as T;
}
