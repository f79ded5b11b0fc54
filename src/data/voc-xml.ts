// Reading and writing Pascal VOC annotation XML. VOC files are flat, attribute-free XML,
// so a small element-tree parser is enough; it reports malformed input as
// file:line:col instead of guessing.
import { DataError } from './errors';

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
  line: number;
  col: number;
}

export interface VocObject {
  name: string;
  difficult: boolean;
  truncated?: boolean;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  line?: number; // where the <object> starts (for messages)
}

export interface VocAnnotation {
  filename?: string;
  folder?: string;
  width?: number;
  height?: number;
  depth?: number;
  objects: VocObject[];
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Parses XML text into its root element; throws DataError naming file:line:col. */
export function parseXml(text: string, file: string): XmlElement {
  let pos = 0;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const where = (p: number) => {
    let lo = 0,
      hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: p - lineStarts[lo] + 1 };
  };
  const fail = (p: number, msg: string): never => {
    const w = where(p);
    throw new DataError(`${file}:${w.line}:${w.col}: error: malformed XML: ${msg}`, file);
  };

  const root: XmlElement = { name: '#document', children: [], text: '', line: 1, col: 1 };
  const stack: XmlElement[] = [root];
  if (text.charCodeAt(0) === 0xfeff) pos = 1; // BOM
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const chunk = text.slice(pos, lt < 0 ? text.length : lt);
    if (chunk.trim()) {
      if (stack.length === 1) fail(pos + chunk.search(/\S/), 'text outside the root element');
      stack[stack.length - 1].text += decodeEntities(chunk);
    }
    if (lt < 0) break;
    pos = lt;
    if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end < 0) fail(pos, 'unterminated comment');
      pos = end + 3;
    } else if (text.startsWith('<![CDATA[', pos)) {
      const end = text.indexOf(']]>', pos);
      if (end < 0) fail(pos, 'unterminated CDATA section');
      stack[stack.length - 1].text += text.slice(pos + 9, end);
      pos = end + 3;
    } else if (text.startsWith('<?', pos) || text.startsWith('<!', pos)) {
      const end = text.indexOf('>', pos);
      if (end < 0) fail(pos, 'unterminated declaration');
      pos = end + 1;
    } else if (text.startsWith('</', pos)) {
      const m = /^<\/\s*([A-Za-z_][\w.:-]*)\s*>/.exec(text.slice(pos, pos + 256));
      if (!m) fail(pos, 'bad closing tag');
      const open = stack[stack.length - 1];
      if (stack.length === 1) fail(pos, `closing tag </${m![1]}> without an opening tag`);
      if (open.name !== m![1]) fail(pos, `</${m![1]}> closes <${open.name}> opened at line ${open.line}`);
      stack.pop();
      pos += m![0].length;
    } else {
      const end = text.indexOf('>', pos);
      if (end < 0) fail(pos, 'unterminated tag');
      const m = /^<\s*([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>$/.exec(
        text.slice(pos, end + 1),
      );
      if (!m) fail(pos, `bad tag ${JSON.stringify(text.slice(pos, Math.min(end + 1, pos + 40)))}`);
      const w = where(pos);
      const el: XmlElement = { name: m![1], children: [], text: '', line: w.line, col: w.col };
      if (stack.length === 1 && root.children.length) fail(pos, 'more than one root element');
      stack[stack.length - 1].children.push(el);
      if (!m![3]) stack.push(el);
      pos = end + 1;
    }
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1];
    throw new DataError(`${file}:${open.line}:${open.col}: error: malformed XML: <${open.name}> is never closed`, file);
  }
  if (!root.children.length) throw new DataError(`${file}:1:1: error: malformed XML: no root element`, file);
  return root.children[0];
}

function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c ? c.text.trim() : undefined;
}

/** Parses a VOC annotation. Numbers are read as MMDetection does: int(float(text)). */
export function parseVocXml(text: string, file: string): VocAnnotation {
  const root = parseXml(text, file);
  if (root.name !== 'annotation') {
    throw new DataError(
      `${file}:${root.line}:${root.col}: error: expected <annotation> as the root element, found <${root.name}>`,
      file,
    );
  }
  const num = (el: XmlElement, name: string, required: boolean): number | undefined => {
    const t = childText(el, name);
    if (t === undefined || t === '') {
      if (required) throw new DataError(`${file}:${el.line}:${el.col}: error: <${el.name}> has no <${name}>`, file);
      return undefined;
    }
    const v = Number(t);
    if (!Number.isFinite(v)) {
      const c = child(el, name)!;
      throw new DataError(`${file}:${c.line}:${c.col}: error: <${name}> is not a number: ${JSON.stringify(t)}`, file);
    }
    return v;
  };
  const ann: VocAnnotation = { filename: childText(root, 'filename'), folder: childText(root, 'folder'), objects: [] };
  const size = child(root, 'size');
  if (size) {
    ann.width = num(size, 'width', false);
    ann.height = num(size, 'height', false);
    ann.depth = num(size, 'depth', false);
  }
  for (const obj of root.children) {
    if (obj.name !== 'object') continue;
    const name = childText(obj, 'name');
    if (!name) throw new DataError(`${file}:${obj.line}:${obj.col}: error: <object> has no <name>`, file);
    const box = child(obj, 'bndbox');
    if (!box) throw new DataError(`${file}:${obj.line}:${obj.col}: error: <object> '${name}' has no <bndbox>`, file);
    const diff = childText(obj, 'difficult');
    ann.objects.push({
      name,
      difficult: diff !== undefined && diff !== '' && Number(diff) !== 0,
      truncated: Number(childText(obj, 'truncated') ?? 0) !== 0,
      xmin: Math.trunc(num(box, 'xmin', true)!),
      ymin: Math.trunc(num(box, 'ymin', true)!),
      xmax: Math.trunc(num(box, 'xmax', true)!),
      ymax: Math.trunc(num(box, 'ymax', true)!),
      line: obj.line,
    });
  }
  return ann;
}

export function voc2xml(a: VocAnnotation): string {
  const out = ['<annotation>'];
  if (a.folder !== undefined) out.push(`\t<folder>${escapeText(a.folder)}</folder>`);
  if (a.filename !== undefined) out.push(`\t<filename>${escapeText(a.filename)}</filename>`);
  out.push(
    '\t<size>',
    `\t\t<width>${a.width}</width>`,
    `\t\t<height>${a.height}</height>`,
    `\t\t<depth>${a.depth ?? 3}</depth>`,
    '\t</size>',
  );
  out.push('\t<segmented>0</segmented>');
  for (const o of a.objects) {
    out.push(
      '\t<object>',
      `\t\t<name>${escapeText(o.name)}</name>`,
      '\t\t<pose>Unspecified</pose>',
      `\t\t<truncated>${o.truncated ? 1 : 0}</truncated>`,
      `\t\t<difficult>${o.difficult ? 1 : 0}</difficult>`,
      '\t\t<bndbox>',
      `\t\t\t<xmin>${o.xmin}</xmin>`,
      `\t\t\t<ymin>${o.ymin}</ymin>`,
      `\t\t\t<xmax>${o.xmax}</xmax>`,
      `\t\t\t<ymax>${o.ymax}</ymax>`,
      '\t\t</bndbox>',
      '\t</object>',
    );
  }
  out.push('</annotation>', '');
  return out.join('\n');
}
