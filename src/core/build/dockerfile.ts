/** A `FROM` instruction of a Dockerfile. */
export interface FromInstruction {
  /** Index of the (first physical) line of the instruction. */
  line: number;
  /** Flags such as `--platform=$BUILDPLATFORM`. */
  flags: string[];
  image: string;
  /** `AS name`, when given. */
  stage?: string;
}

/** Joins continuation lines (`\` at the end) so each instruction is one logical line, keeping where it started. */
function logicalLines(text: string): { line: number; text: string; end: number }[] {
  const physical = text.split(/\r?\n/);
  const out: { line: number; text: string; end: number }[] = [];
  for (let i = 0; i < physical.length; i++) {
    const start = i;
    let joined = physical[i] as string;
    while (/\\\s*$/.test(joined) && i + 1 < physical.length) {
      joined = joined.replace(/\\\s*$/, ' ') + (physical[++i] as string);
    }
    out.push({ line: start, text: joined, end: i });
  }
  return out;
}

/** The `FROM` instructions in order. */
export function parseFromInstructions(text: string): FromInstruction[] {
  const out: FromInstruction[] = [];
  for (const { line, text: l } of logicalLines(text)) {
    const m = /^\s*FROM\s+(.*)$/i.exec(l);
    if (!m) continue;
    const words = (m[1] as string).trim().split(/\s+/);
    const flags: string[] = [];
    while (words[0]?.startsWith('--')) flags.push(words.shift() as string);
    const image = words.shift() ?? '';
    const stage = words[0]?.toLowerCase() === 'as' ? words[1] : undefined;
    out.push({ line, flags, image, ...(stage ? { stage } : {}) });
  }
  return out;
}

/** Global `ARG NAME=default` values (before the first FROM), which FROM lines may use. */
export function globalArgDefaults(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { text: l } of logicalLines(text)) {
    if (/^\s*FROM\s/i.test(l)) break;
    const m = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/i.exec(l);
    if (m) out[m[1] as string] = (m[2] ?? '').trim().replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function expand(image: string, values: Record<string, string>): string {
  return image.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a?: string, def?: string, b?: string) => {
    const name = (a ?? b) as string;
    return values[name] ?? def ?? '';
  });
}

/** The image the final stage starts from (ARGs expanded), unless that is an earlier stage or `scratch`. */
export function finalBaseImage(text: string, buildArgs: Record<string, string> = {}): string | undefined {
  const froms = parseFromInstructions(text);
  const last = froms[froms.length - 1];
  if (!last) return undefined;
  const image = expand(last.image, { ...globalArgDefaults(text), ...buildArgs });
  const stages = new Set(froms.slice(0, -1).map((f) => f.stage?.toLowerCase()).filter(Boolean));
  if (stages.has(image.toLowerCase()) || image === 'scratch') return undefined;
  return image;
}

/**
 * A copy of the Dockerfile with the final stage's base image replaced by `baseImage` and every earlier stage that
 * starts from an image (not from another stage) starting from `builderImage`: how OKD builds swap the RHEL base for
 * SCOS, and how a developer picks a builder they can pull. Flags and stage names are kept. Pure.
 */
export function rewriteDockerfile(text: string, options: { baseImage?: string; builderImage?: string }): string {
  const froms = parseFromInstructions(text);
  if (!froms.length || (!options.baseImage && !options.builderImage)) return text;
  const lines = text.split(/\r?\n/);
  const ends = new Map(logicalLines(text).map((l) => [l.line, l.end]));
  const stages = new Set<string>();
  froms.forEach((from, i) => {
    const final = i === froms.length - 1;
    const fromStage = stages.has(from.image.toLowerCase());
    const replacement = final ? options.baseImage : options.builderImage;
    if (replacement && !fromStage) {
      const rewritten = ['FROM', ...from.flags, replacement, ...(from.stage ? ['AS', from.stage] : [])].join(' ');
      const end = ends.get(from.line) ?? from.line;
      lines.splice(from.line, end - from.line + 1, rewritten, ...Array<string>(end - from.line).fill(''));
    }
    if (from.stage) stages.add(from.stage.toLowerCase());
  });
  return lines.join('\n');
}
