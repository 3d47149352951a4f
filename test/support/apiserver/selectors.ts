// Label and field selectors as list and watch requests send them (`app=x,tier!=db,env in (a,b),!legacy`).
import { errors } from './errors';
import type { KubeObject } from './store';

export type Matcher = (obj: KubeObject) => boolean;

/** Split on commas that are not inside a parenthesised set. */
function terms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function requirement(term: string, value: (obj: KubeObject, key: string) => string | undefined): Matcher {
  let m = /^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
  if (m) {
    const [, key, op, list] = m;
    const set = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in' ? (o) => set.has(value(o, key) ?? '\0') : (o) => !set.has(value(o, key) ?? '\0');
  }
  m = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (m) {
    const [, key, op, want] = m;
    return op === '!=' ? (o) => value(o, key) !== want : (o) => value(o, key) === want;
  }
  m = /^(!?)([^\s!=()]+)$/.exec(term);
  if (m) {
    const [, not, key] = m;
    return not ? (o) => value(o, key) === undefined : (o) => value(o, key) !== undefined;
  }
  throw errors.badRequest(`unable to parse requirement: ${term}`);
}

export function labelSelector(s: string | null): Matcher {
  if (!s) return () => true;
  const reqs = terms(s).map((t) => requirement(t, (o, k) => o.metadata.labels?.[k]));
  return (o) => reqs.every((r) => r(o));
}

const FIELDS: Record<string, (o: KubeObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
  'status.phase': (o) => o.status?.phase,
  'spec.nodeName': (o) => o.spec?.nodeName,
};

export function fieldSelector(s: string | null): Matcher {
  if (!s) return () => true;
  const reqs = terms(s).map((t) => {
    const field = /^([^\s!=]+)/.exec(t)?.[1] ?? '';
    if (!FIELDS[field]) throw errors.badRequest(`field label not supported: ${field}`);
    return requirement(t, (o, k) => FIELDS[k]?.(o));
  });
  return (o) => reqs.every((r) => r(o));
}
