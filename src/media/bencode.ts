/**
 * Bencode, the encoding of rtpengine's ng protocol: byte strings (`4:spam`), integers (`i3e`),
 * lists (`l...e`) and dictionaries (`d...e`, keys sorted). Strings are decoded as UTF-8 (SDP and
 * every ng field are text); no npm package for it was in the dependency tree.
 */

export type BValue = string | number | BValue[] | { [key: string]: BValue };

export function bencode(value: BValue | Buffer): Buffer {
  const parts: Buffer[] = [];
  const put = (v: BValue | Buffer | undefined | null | boolean) => {
    if (v === undefined || v === null) throw new TypeError("bencode: undefined or null has no encoding");
    if (typeof v === "boolean") throw new TypeError("bencode: booleans have no encoding (send a string flag)");
    if (typeof v === "number") {
      if (!Number.isSafeInteger(v)) throw new TypeError(`bencode: only integers have an encoding, got ${v}`);
      parts.push(Buffer.from(`i${v}e`));
    } else if (typeof v === "string" || Buffer.isBuffer(v)) {
      const bytes = typeof v === "string" ? Buffer.from(v, "utf8") : v;
      parts.push(Buffer.from(`${bytes.length}:`), bytes);
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from("l"));
      for (const item of v) put(item);
      parts.push(Buffer.from("e"));
    } else {
      parts.push(Buffer.from("d"));
      // Keys in raw byte order, as the format requires; undefined members are left out.
      const keys = Object.keys(v)
        .filter((k) => v[k] !== undefined)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const k of keys) {
        put(k);
        put(v[k]);
      }
      parts.push(Buffer.from("e"));
    }
  };
  put(value);
  return Buffer.concat(parts);
}

export class BencodeError extends Error {}

/** Decodes exactly one value spanning all of `input`. */
export function bdecode(input: Buffer | string): BValue {
  const buf = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  let pos = 0;
  const fail = (what: string): never => {
    throw new BencodeError(`bencode: ${what} at byte ${pos}`);
  };
  const digitsUntil = (end: number): number => {
    const stop = buf.indexOf(end, pos);
    if (stop < 0) fail("unterminated number");
    const text = buf.toString("latin1", pos, stop);
    if (!/^(0|-?[1-9]\d*)$/.test(text)) fail(`bad number '${text}'`);
    pos = stop + 1;
    const n = Number(text);
    if (!Number.isSafeInteger(n)) fail(`number out of range '${text}'`);
    return n;
  };
  const value = (depth: number): BValue => {
    if (depth > 64) fail("nesting too deep");
    const c = buf[pos];
    if (c === undefined) return fail("unexpected end");
    if (c === 0x69 /* i */) {
      pos++;
      return digitsUntil(0x65 /* e */);
    }
    if (c === 0x6c /* l */) {
      pos++;
      const list: BValue[] = [];
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) fail("unterminated list");
        list.push(value(depth + 1));
      }
      pos++;
      return list;
    }
    if (c === 0x64 /* d */) {
      pos++;
      const dict: Record<string, BValue> = {};
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) fail("unterminated dictionary");
        if (buf[pos] === undefined || buf[pos]! < 0x30 || buf[pos]! > 0x39) fail("dictionary key is not a string");
        const key = value(depth + 1) as string;
        if (buf[pos] === 0x65 || pos >= buf.length) fail(`dictionary key '${key}' has no value`);
        dict[key] = value(depth + 1);
      }
      pos++;
      return dict;
    }
    if (c >= 0x30 && c <= 0x39) {
      const length = digitsUntil(0x3a /* : */);
      if (length < 0 || pos + length > buf.length) fail(`string of ${length} bytes runs past the end`);
      const s = buf.toString("utf8", pos, pos + length);
      pos += length;
      return s;
    }
    return fail(`unexpected '${String.fromCharCode(c)}'`);
  };
  const result = value(0);
  if (pos !== buf.length) fail("trailing bytes");
  return result;
}
