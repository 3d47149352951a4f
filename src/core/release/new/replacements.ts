import { OkdError } from '../../errors';
import { parsePullspec } from '../../pullspec';

/** One `NAME=IMAGE` argument of `release new`: replace component NAME's image with IMAGE. */
export interface ComponentReplacement {
  name: string;
  image: string;
}

const COMPONENT_NAME_RE = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i;

/** Parses `NAME=IMAGE` (oc's SRC=DST mapping); throws OkdError('invalid-input') naming what is wrong. */
export function parseReplacement(arg: string): ComponentReplacement {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1) {
    throw new OkdError('invalid-input', `"${arg}" is not NAME=IMAGE`, 'write each replacement as component=pullspec, e.g. cluster-image-registry-operator=quay.io/me/cluster-image-registry-operator:dev');
  }
  const name = arg.slice(0, eq);
  const image = arg.slice(eq + 1);
  if (!COMPONENT_NAME_RE.test(name)) {
    throw new OkdError('invalid-input', `"${name}" in "${arg}" is not a component name`, 'component names are the tag names of the payload, e.g. cluster-image-registry-operator');
  }
  try {
    parsePullspec(image);
  } catch (err) {
    throw new OkdError('invalid-input', `"${arg}": ${(err as Error).message}`);
  }
  return { name, image };
}

/** Parses every argument and rejects a component named twice. */
export function parseReplacements(args: string[]): ComponentReplacement[] {
  const out = args.map(parseReplacement);
  const seen = new Set<string>();
  for (const r of out) {
    if (seen.has(r.name)) throw new OkdError('invalid-input', `component "${r.name}" is replaced more than once`, 'give one NAME=IMAGE per component');
    seen.add(r.name);
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** Up to three names close to `wanted` (small edit distance, or one containing the other), closest first. */
export function closeNames(wanted: string, names: readonly string[]): string[] {
  const w = wanted.toLowerCase();
  return names
    .map((name) => {
      const n = name.toLowerCase();
      const d = editDistance(w, n);
      const contains = n.includes(w) || w.includes(n);
      return { name, score: contains ? Math.min(d, 2) : d };
    })
    .filter((c) => c.score <= Math.max(3, Math.floor(w.length / 4)))
    .sort((x, y) => x.score - y.score || x.name.localeCompare(y.name))
    .slice(0, 3)
    .map((c) => c.name);
}

export function unknownComponentError(name: string, release: string, names: readonly string[]): OkdError {
  const close = closeNames(name, names);
  const hint = close.length
    ? `did you mean ${close.join(', ')}? \`okd-dev release info ${release}\` lists the ${names.length} components`
    : `\`okd-dev release info ${release}\` lists the ${names.length} components`;
  return new OkdError('not-found', `component "${name}" is not in release ${release}`, hint);
}
