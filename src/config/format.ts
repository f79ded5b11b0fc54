// String formatting as Python does it: the format-spec mini-language used by
// f-strings, str.format and format(), and printf-style `'%d' % x`.

import {
  PyDict,
  PyError,
  PyTuple,
  type PyValue,
  checkStringLength,
  floatRepr,
  isNumber,
  repr,
  str,
  toFloat,
  toInt,
  typeName,
} from './values';

const SPEC_RE = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s;

export function formatSpec(v: PyValue, spec: string): string {
  if (spec === '') return str(v);
  const m = SPEC_RE.exec(spec);
  if (!m) throw new PyError('ValueError', `Invalid format specifier '${spec}' for object of type '${typeName(v)}'`);
  const [, fillCh, alignCh, sign, , alt, zero, widthText, group, precText, typeCh] = m;
  const width = widthText ? Number(widthText) : 0;
  checkStringLength(width);
  const prec = precText !== undefined ? Number(precText) : undefined;
  let type = typeCh;
  let body: string;
  let negative = false;
  let numeric = false;
  if (typeof v === 'string') {
    if (type && type !== 's') throw new PyError('ValueError', `Unknown format code '${type}' for object of type 'str'`);
    body = prec !== undefined ? v.slice(0, prec) : v;
  } else if (isNumber(v)) {
    numeric = true;
    if (!type) type = typeof v === 'number' ? (prec !== undefined ? 'g' : '') : 'd';
    if ('bcdoxXn'.includes(type)) {
      if (typeof v === 'number')
        throw new PyError('ValueError', `Unknown format code '${type}' for object of type 'float'`);
      let x = toInt(v);
      negative = x < 0n;
      if (negative) x = -x;
      const base = type === 'b' ? 2 : type === 'o' ? 8 : type === 'x' || type === 'X' ? 16 : 10;
      body = type === 'c' ? String.fromCodePoint(Number(x)) : x.toString(base);
      if (type === 'X') body = body.toUpperCase();
      if (alt && base !== 10) body = (type === 'b' ? '0b' : type === 'o' ? '0o' : type === 'X' ? '0X' : '0x') + body;
    } else {
      let x = toFloat(v);
      negative = x < 0 || Object.is(x, -0);
      x = Math.abs(x);
      body = formatFloat(x, type, prec, !!alt);
    }
    if (group) {
      const [int, frac] = splitNumber(body);
      body = int.replace(/\B(?=(\d{3})+(?!\d))/g, group) + frac;
    }
  } else {
    if (type) throw new PyError('TypeError', `unsupported format string passed to ${typeName(v)}.__format__`);
    body = str(v);
  }
  const signText = negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  let fill = fillCh ?? ' ';
  let align = alignCh ?? (numeric ? '>' : '<');
  if (zero && !alignCh) {
    fill = '0';
    align = '=';
  }
  const len = signText.length + body.length;
  if (len >= width) return signText + body;
  const pad = width - len;
  switch (align) {
    case '<':
      return signText + body + fill.repeat(pad);
    case '>':
      return fill.repeat(pad) + signText + body;
    case '^':
      return fill.repeat(Math.floor(pad / 2)) + signText + body + fill.repeat(Math.ceil(pad / 2));
    default:
      return signText + fill.repeat(pad) + body;
  }
}

function splitNumber(s: string): [string, string] {
  const m = /^(\d*)(.*)$/s.exec(s)!;
  return [m[1], m[2]];
}

function formatFloat(x: number, type: string, prec: number | undefined, alt: boolean): string {
  if (Number.isNaN(x)) return type === type.toUpperCase() && type !== '' && type !== '%' ? 'NAN' : 'nan';
  if (!Number.isFinite(x)) return type === type.toUpperCase() && type !== '' && type !== '%' ? 'INF' : 'inf';
  switch (type) {
    case '':
      return prec === undefined ? floatRepr(x) : formatFloat(x, 'g', prec, alt);
    case 'f':
    case 'F':
      return x.toFixed(prec ?? 6);
    case '%':
      return (x * 100).toFixed(prec ?? 6) + '%';
    case 'e':
    case 'E': {
      const s = pyExp(x.toExponential(prec ?? 6));
      return type === 'E' ? s.toUpperCase() : s;
    }
    case 'g':
    case 'G': {
      const p = prec === 0 ? 1 : (prec ?? 6);
      if (x === 0) return alt ? '0.' + '0'.repeat(p - 1) : '0';
      const exp = Math.floor(Math.log10(Math.abs(Number(x.toExponential(p - 1)))));
      let s: string;
      if (exp < -4 || exp >= p) {
        s = pyExp(x.toExponential(p - 1));
        if (!alt) s = s.replace(/\.?0+e/, 'e');
      } else {
        s = x.toFixed(Math.max(0, p - 1 - exp));
        if (!alt && s.includes('.')) s = s.replace(/\.?0+$/, '');
      }
      return type === 'G' ? s.toUpperCase() : s;
    }
  }
  throw new PyError('ValueError', `Unknown format code '${type}' for object of type 'float'`);
}

/** JS writes 1e+5; Python writes 1e+05. */
function pyExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** `'%s_%d' % (a, b)` and `'%(name)s' % mapping`. */
export function printfFormat(fmt: string, args: PyValue): string {
  const list = args instanceof PyTuple ? args.items : [args];
  const mapping = args instanceof PyDict ? args : undefined;
  let i = 0;
  const out = fmt.replace(
    /%(\([^)]*\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g,
    (_m, key: string | undefined, flags: string, w: string | undefined, p: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      let v: PyValue;
      if (key) {
        if (!mapping) throw new PyError('TypeError', 'format requires a mapping');
        const k = key.slice(1, -1);
        if (!mapping.has(k)) throw new PyError('KeyError', repr(k));
        v = mapping.get(k)!;
      } else {
        if (i >= list.length) throw new PyError('TypeError', 'not enough arguments for format string');
        v = list[i++];
      }
      // printf pads on the left unless '-' asks for the right.
      const zeroPad = flags.includes('0') && !flags.includes('-') && !'sra'.includes(conv);
      let spec = flags.includes('-') ? '<' : zeroPad ? '' : '>';
      if (flags.includes('+')) spec += '+';
      else if (flags.includes(' ')) spec += ' ';
      if (zeroPad) spec += '0';
      if (w) spec += w;
      if (p !== undefined) spec += '.' + p;
      if (conv === 's') return formatSpec(str(v), spec);
      if (conv === 'r' || conv === 'a') return formatSpec(repr(v), spec);
      if (!isNumber(v))
        throw new PyError('TypeError', `%${conv} format: a real number is required, not ${typeName(v)}`);
      if ('diu'.includes(conv)) return formatSpec(toInt(v), spec + 'd');
      if ('oxX'.includes(conv)) return formatSpec(toInt(v), spec + conv);
      if (conv === 'c') return formatSpec(toInt(v), spec + 'c');
      return formatSpec(toFloat(v), spec + conv);
    },
  );
  if (!mapping && i < list.length)
    throw new PyError('TypeError', 'not all arguments converted during string formatting');
  return out;
}
