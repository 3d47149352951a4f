/** One challenge of a `WWW-Authenticate` header: the scheme (lower case) and its parameters (keys lower case). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235): several challenges separated by commas, each a scheme followed by
 * `key=value` or `key="quoted, value"` parameters. Unparseable trailing text is ignored rather than thrown on,
 * because a registry's odd header should not hide the 401 it came with.
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z/:]/.test(header[i] as string)) i++;
    return header.slice(start, i);
  };
  const readQuoted = () => {
    i++; // opening quote
    let value = '';
    while (i < n && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < n) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote
    return value;
  };
  let current: Challenge | undefined;
  while (i < n) {
    skipSpace();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const token = readToken();
    if (!token) {
      i++; // skip a character we cannot read
      continue;
    }
    skipSpace();
    if (header[i] === '=' && current) {
      i++;
      skipSpace();
      const value = header[i] === '"' ? readQuoted() : readToken();
      current.params[token.toLowerCase()] = value;
    } else if (header[i] === '=' && !current) {
      // A parameter before any scheme: malformed; skip it.
      i = start + token.length + 1;
      skipSpace();
      if (header[i] === '"') readQuoted();
      else readToken();
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
      // token68 form (`Basic abc==`) is not used by registries; tolerate it by ignoring it.
    }
  }
  return out;
}

/** The challenge to answer: Bearer over Basic, as registries that offer both expect. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
