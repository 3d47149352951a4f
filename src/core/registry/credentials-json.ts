// Locating a JSON syntax error without quoting the text: in an auth file the text around the error is a credential.

/** Where `text` stops being JSON, as `line L, column C`, found by a scanner that never echoes the text. */
export function jsonErrorPosition(text: string): string {
  let offset: number;
  try {
    offset = jsonErrorOffset(text);
  } catch {
    return 'nested too deeply to locate the error';
  }
  const before = text.slice(0, offset).split('\n');
  return `at line ${before.length}, column ${(before[before.length - 1] ?? '').length + 1}`;
}

/** The offset of the first character that makes `text` invalid JSON (its length when the text ends too early). */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new JsonSyntaxAt(i);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (c: string) => (text[i] === c ? i++ : fail());
  const string = () => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c === '\\') {
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      }
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          ws();
          string();
          ws();
          expect(':');
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else return void expect(close);
      }
    }
    if (c === '"') return string();
    const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    literal.lastIndex = i;
    if (!literal.test(text)) fail();
    i = literal.lastIndex;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (err) {
    if (err instanceof JsonSyntaxAt) return err.offset;
    throw err;
  }
  return text.length;
}

class JsonSyntaxAt {
  constructor(readonly offset: number) {}
}
