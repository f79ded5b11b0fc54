// Decoding of Python string literal tokens: prefixes, escapes, and the split of
// f-strings into literal text and `{expression!conv:spec}` fields.

import type { SyntaxIssue } from './tokenizer';
import { unicodeName } from './unicode-names';

export interface StringToken {
  prefix: string; // lower-cased
  body: string; // between the quotes
  bodyStart: number; // offset of body in the source
}

export function splitStringToken(text: string, start: number): StringToken {
  let p = 0;
  while (text.charCodeAt(p) !== 39 && text.charCodeAt(p) !== 34) p++;
  const prefix = p ? text.slice(0, p).toLowerCase() : '';
  const quote = text.charCodeAt(p);
  const q = text.charCodeAt(p + 1) === quote && text.charCodeAt(p + 2) === quote ? 3 : 1;
  const n = text.length;
  let endQ = n;
  if (n - p >= 2 * q) {
    let closed = true;
    for (let k = 1; k <= q; k++) if (text.charCodeAt(n - k) !== quote) closed = false;
    if (closed) endQ = n - q;
  }
  return { prefix, body: text.slice(p + q, endQ), bodyStart: start + p + q };
}

/** Decodes escapes of a non-raw literal body. Unknown escapes stay as written (Python warns, keeps them). */
export function decodeEscapes(body: string, bytes: boolean, at: number, issues: SyntaxIssue[]): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[i + 1];
    i++;
    switch (e) {
      case '\n':
        break;
      case '\r':
        if (body[i + 1] === '\n') i++;
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
        out += "'";
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) {
          issues.push({
            message: `(unicode error) truncated \\xXX escape`,
            span: { start: at + i - 1, end: at + i + 1 },
          });
        } else out += String.fromCharCode(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        if (bytes) {
          out += '\\' + e;
          break;
        }
        const len = e === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) {
          issues.push({
            message: `(unicode error) truncated \\${e}${'X'.repeat(len)} escape`,
            span: { start: at + i - 1, end: at + i + 1 },
          });
        } else out += String.fromCodePoint(parseInt(h, 16));
        i += len;
        break;
      }
      case 'N': {
        const m = bytes ? null : /^\{([^}]*)\}/.exec(body.slice(i + 1));
        if (bytes) {
          out += '\\N';
          break;
        }
        const ch = m ? unicodeName(m[1]) : undefined;
        if (!m || ch === undefined) {
          issues.push({
            message: `(unicode error) unknown Unicode character name${m ? ` '${m[1]}'` : ''}`,
            span: { start: at + i - 1, end: at + i + 1 + (m ? m[0].length : 0) },
          });
        } else out += ch;
        i += m ? m[0].length : 0;
        break;
      }
      default:
        if (e !== undefined && /[0-7]/.test(e)) {
          let j = i;
          while (j < i + 3 && /[0-7]/.test(body[j] ?? '')) j++;
          out += String.fromCharCode(parseInt(body.slice(i, j), 8));
          i = j - 1;
        } else out += '\\' + (e ?? '');
    }
  }
  return out;
}
