/**
 * The part of TOML (v1.0) that containers configuration files use: tables, arrays of tables, dotted and quoted
 * keys, basic and literal strings (one- and multi-line), booleans, numbers, arrays and inline tables. Dates are
 * kept as their text. A key defined twice is an error, as in BurntSushi/toml, which containers/image reads with.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export class TomlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'TomlError';
  }
}

const bareKey = /^[A-Za-z0-9_-]+/;

/** Tables made by `[[x]]` (their last element is where keys go) and tables defined by a header. */
interface State {
  arrays: WeakSet<TomlValue[]>;
  defined: WeakSet<TomlTable>;
  inline: WeakSet<TomlTable>;
}

export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  const state: State = { arrays: new WeakSet<TomlValue[]>(), defined: new WeakSet<TomlTable>(), inline: new WeakSet<TomlTable>() };
  const p = new Cursor(text.replace(/^\uFEFF/, ''));
  let current = root;
  for (;;) {
    p.skipBlankLines();
    if (p.done()) return root;
    if (p.peek() === '[') {
      const isArray = p.peek(1) === '[';
      p.pos += isArray ? 2 : 1;
      p.skipSpaces();
      const path = p.key();
      p.skipSpaces();
      if (!p.eat(isArray ? ']]' : ']')) throw p.error(`expected ${isArray ? ']]' : ']'} after the table name`);
      current = isArray ? appendArrayTable(root, path, state, p) : defineTable(root, path, state, p);
    } else {
      const path = p.key();
      p.skipSpaces();
      if (!p.eat('=')) throw p.error(`expected = after key ${path.join('.')}`);
      p.skipSpaces();
      const value = p.value(state);
      assign(current, path, value, state, p);
    }
    p.endOfLine();
  }
}

function descend(table: TomlTable, key: string, state: State, p: Cursor, forHeader: boolean): TomlTable {
  const existing = table[key];
  if (existing === undefined) {
    const created: TomlTable = {};
    table[key] = created;
    return created;
  }
  if (Array.isArray(existing) && state.arrays.has(existing)) return existing[existing.length - 1] as TomlTable;
  if (typeof existing === 'object' && !Array.isArray(existing) && !state.inline.has(existing)) {
    if (!forHeader && state.defined.has(existing)) throw p.error(`key ${key} is already a table`);
    return existing;
  }
  throw p.error(`key ${key} is already defined`);
}

function defineTable(root: TomlTable, path: string[], state: State, p: Cursor): TomlTable {
  let table = root;
  for (const key of path.slice(0, -1)) table = descend(table, key, state, p, true);
  const last = path[path.length - 1] as string;
  const existing = table[last];
  if (existing !== undefined) {
    if (typeof existing !== 'object' || Array.isArray(existing) || state.defined.has(existing) || state.inline.has(existing)) {
      throw p.error(`table [${path.join('.')}] is defined twice`);
    }
    state.defined.add(existing);
    return existing;
  }
  const created: TomlTable = {};
  table[last] = created;
  state.defined.add(created);
  return created;
}

function appendArrayTable(root: TomlTable, path: string[], state: State, p: Cursor): TomlTable {
  let table = root;
  for (const key of path.slice(0, -1)) table = descend(table, key, state, p, true);
  const last = path[path.length - 1] as string;
  let array = table[last];
  if (array === undefined) {
    array = [];
    state.arrays.add(array);
    table[last] = array;
  } else if (!Array.isArray(array) || !state.arrays.has(array)) {
    throw p.error(`[[${path.join('.')}]] names a key that is not an array of tables`);
  }
  const created: TomlTable = {};
  array.push(created);
  return created;
}

function assign(table: TomlTable, path: string[], value: TomlValue, state: State, p: Cursor): void {
  let target = table;
  for (const key of path.slice(0, -1)) target = descend(target, key, state, p, false);
  const last = path[path.length - 1] as string;
  if (Object.prototype.hasOwnProperty.call(target, last)) throw p.error(`key ${path.join('.')} is defined twice`);
  target[last] = value;
}

class Cursor {
  pos = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(ahead = 0): string {
    return this.text.charAt(this.pos + ahead);
  }
  eat(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }
  line(): number {
    let n = 1;
    for (let i = 0; i < this.pos && i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) n++;
    return n;
  }
  error(message: string): TomlError {
    return new TomlError(message, this.line());
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  skipComment(): void {
    if (this.peek() !== '#') return;
    while (!this.done() && this.peek() !== '\n') this.pos++;
  }
  /** Spaces, comments and newlines (between statements, and inside arrays). */
  skipBlankLines(): void {
    for (;;) {
      this.skipSpaces();
      this.skipComment();
      if (this.peek() === '\n') this.pos++;
      else if (this.peek() === '\r' && this.peek(1) === '\n') this.pos += 2;
      else return;
    }
  }
  endOfLine(): void {
    this.skipSpaces();
    this.skipComment();
    if (this.done()) return;
    if (this.eat('\n') || this.eat('\r\n')) return;
    throw this.error(`unexpected ${JSON.stringify(this.peek())} after a value`);
  }

  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipSpaces();
      const c = this.peek();
      if (c === '"') parts.push(this.basicString());
      else if (c === "'") parts.push(this.literalString());
      else {
        const m = bareKey.exec(this.text.slice(this.pos));
        if (!m) throw this.error(`expected a key, found ${JSON.stringify(c || 'end of file')}`);
        parts.push(m[0]);
        this.pos += m[0].length;
      }
      this.skipSpaces();
      if (!this.eat('.')) return parts;
    }
  }

  value(state: State): TomlValue {
    const c = this.peek();
    if (this.text.startsWith('"""', this.pos)) return this.multilineBasic();
    if (this.text.startsWith("'''", this.pos)) return this.multilineLiteral();
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    if (c === '[') return this.array(state);
    if (c === '{') return this.inlineTable(state);
    if (this.eat('true')) return true;
    if (this.eat('false')) return false;
    const m = /^[0-9A-Za-z_:.+-]+/.exec(this.text.slice(this.pos));
    if (!m) throw this.error(`expected a value, found ${JSON.stringify(c || 'end of file')}`);
    this.pos += m[0].length;
    const raw = m[0].replace(/_/g, '');
    if (/^[+-]?(0|[1-9]\d*)$/.test(raw)) return Number(raw);
    if (/^0x[0-9a-f]+$/i.test(raw)) return Number.parseInt(raw.slice(2), 16);
    if (/^0o[0-7]+$/.test(raw)) return Number.parseInt(raw.slice(2), 8);
    if (/^0b[01]+$/.test(raw)) return Number.parseInt(raw.slice(2), 2);
    if (/^[+-]?(\d+)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
    if (/^[+-]?(inf|nan)$/.test(raw)) return raw.endsWith('inf') ? (raw.startsWith('-') ? -Infinity : Infinity) : Number.NaN;
    // Dates and times: containers files have none; kept as written.
    if (/^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}/.test(raw)) return m[0];
    throw this.error(`${JSON.stringify(m[0])} is not a TOML value (strings need quotes)`);
  }

  private array(state: State): TomlValue[] {
    this.pos++;
    const items: TomlValue[] = [];
    for (;;) {
      this.skipBlankLines();
      if (this.eat(']')) return items;
      items.push(this.value(state));
      this.skipBlankLines();
      if (this.eat(']')) return items;
      if (!this.eat(',')) throw this.error('expected , or ] in an array');
    }
  }

  private inlineTable(state: State): TomlTable {
    this.pos++;
    const table: TomlTable = {};
    state.inline.add(table);
    this.skipSpaces();
    if (this.eat('}')) return table;
    for (;;) {
      const path = this.key();
      this.skipSpaces();
      if (!this.eat('=')) throw this.error(`expected = after key ${path.join('.')}`);
      this.skipSpaces();
      assign(table, path, this.value(state), { ...state, inline: new WeakSet<TomlTable>() }, this);
      this.skipSpaces();
      if (this.eat('}')) return table;
      if (!this.eat(',')) throw this.error('expected , or } in an inline table');
      this.skipSpaces();
    }
  }

  private basicString(): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.done() || this.peek() === '\n') throw this.error('unterminated string');
      const c = this.peek();
      this.pos++;
      if (c === '"') return out;
      if (c === '\\') out += this.escape();
      else out += c;
    }
  }

  private escape(): string {
    const c = this.peek();
    this.pos++;
    const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
    if (c in simple) return simple[c] as string;
    if (c === 'u' || c === 'U') {
      const len = c === 'u' ? 4 : 8;
      const hex = this.text.slice(this.pos, this.pos + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw this.error(`bad \\${c} escape`);
      this.pos += len;
      return String.fromCodePoint(Number.parseInt(hex, 16));
    }
    throw this.error(`unknown escape \\${c}`);
  }

  private literalString(): string {
    this.pos++;
    const end = this.text.indexOf("'", this.pos);
    const nl = this.text.indexOf('\n', this.pos);
    if (end < 0 || (nl >= 0 && nl < end)) throw this.error('unterminated string');
    const s = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return s;
  }

  private multilineBasic(): string {
    this.pos += 3;
    if (this.peek() === '\n') this.pos++;
    else if (this.peek() === '\r' && this.peek(1) === '\n') this.pos += 2;
    let out = '';
    for (;;) {
      if (this.done()) throw this.error('unterminated multi-line string');
      if (this.text.startsWith('"""', this.pos) && !this.text.startsWith('""""', this.pos)) {
        this.pos += 3;
        return out;
      }
      const c = this.peek();
      this.pos++;
      if (c !== '\\') {
        out += c;
        continue;
      }
      // A backslash at the end of a line trims the newline and the whitespace after it.
      if (/^[ \t]*\r?\n/.test(this.text.slice(this.pos))) {
        while (/[ \t\r\n]/.test(this.peek())) this.pos++;
        continue;
      }
      out += this.escape();
    }
  }

  private multilineLiteral(): string {
    this.pos += 3;
    if (this.peek() === '\n') this.pos++;
    else if (this.peek() === '\r' && this.peek(1) === '\n') this.pos += 2;
    const end = this.text.indexOf("'''", this.pos);
    if (end < 0) throw this.error('unterminated multi-line string');
    const s = this.text.slice(this.pos, end);
    this.pos = end + 3;
    return s;
  }
}
