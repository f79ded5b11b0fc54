// A JSON reader that keeps number tokens as written, so `1.0` and `1` stay
// different (the golden files encode int vs float in the number text).

export type ExactJson = null | boolean | string | { num: string } | ExactJson[] | { obj: [string, ExactJson][] };

export function parseExactJson(text: string): ExactJson {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const value = (): ExactJson => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: [string, ExactJson][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { obj };
      }
      for (;;) {
        ws();
        const k = value() as string;
        ws();
        i++; // :
        obj.push([k, value()]);
        ws();
        if (text[i++] === '}') return { obj };
      }
    }
    if (c === '[') {
      i++;
      const arr: ExactJson[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i++] === ']') return arr;
      }
    }
    if (c === '"') {
      const start = i;
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i));
    }
    const m = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (!m) throw new Error(`bad JSON at ${i}: ${text.slice(i, i + 20)}`);
    i += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    return { num: m[0] };
  };
  return value();
}

/** Differences between two exact-JSON values, as `path: detail` lines (empty when equal). */
export function diffExact(a: ExactJson, b: ExactJson, at = '$', out: string[] = []): string[] {
  const kind = (x: ExactJson) =>
    x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'object' ? ('num' in x ? 'num' : 'obj') : typeof x;
  if (kind(a) !== kind(b)) {
    out.push(`${at}: ${show(a)} != ${show(b)}`);
    return out;
  }
  if (Array.isArray(a)) {
    const bb = b as ExactJson[];
    if (a.length !== bb.length) out.push(`${at}: length ${a.length} != ${bb.length}`);
    a.slice(0, bb.length).forEach((x, i) => diffExact(x, bb[i], `${at}[${i}]`, out));
  } else if (a !== null && typeof a === 'object') {
    if ('num' in a) {
      if (a.num !== (b as { num: string }).num) out.push(`${at}: ${a.num} != ${(b as { num: string }).num}`);
    } else {
      const ao = a.obj;
      const bo = (b as { obj: [string, ExactJson][] }).obj;
      const ak = ao.map(([k]) => k);
      const bk = bo.map(([k]) => k);
      if (ak.join('\u0000') !== bk.join('\u0000')) out.push(`${at}: keys [${ak.join(', ')}] != [${bk.join(', ')}]`);
      // Sets: order is not significant.
      if (ak.length === 1 && ak[0] === '__set__' && bk[0] === '__set__') {
        const sa = (ao[0][1] as ExactJson[]).map(show).sort();
        const sb = (bo[0][1] as ExactJson[]).map(show).sort();
        if (sa.join() !== sb.join()) out.push(`${at}: set ${sa} != ${sb}`);
        return out;
      }
      for (const [k, v] of ao) {
        const o = bo.find(([kk]) => kk === k);
        if (o) diffExact(v, o[1], `${at}.${k}`, out);
      }
    }
  } else if (a !== b) out.push(`${at}: ${show(a)} != ${show(b)}`);
  return out;
}

function show(x: ExactJson): string {
  return JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && 'num' in v ? Number(v.num) : v));
}
