// The merged-config preview's links back to the source: which span of each preview line is a link
// and where it goes. Pure; the extension turns these into DocumentLinks and definitions.

export interface SourceLocation {
  uri: string;
  line: number; // 0-based, as LSP
  character: number;
}

export interface MergedConfigResult {
  text: string;
  lines: (SourceLocation | null)[];
  diagnostics: { message: string; uri: string; line: number; character: number }[];
}

export interface PreviewLink {
  line: number;
  start: number;
  end: number;
  target: SourceLocation;
}

// The link covers the key of 'key=value' / 'key: value' / "'key': value" lines, else the line's text.
export function previewLinks(result: MergedConfigResult): PreviewLink[] {
  const lines = result.text.split('\n');
  const links: PreviewLink[] = [];
  lines.forEach((text, i) => {
    const target = result.lines[i];
    if (!target) return;
    const indent = text.length - text.trimStart().length;
    const trimmedEnd = text.trimEnd().length;
    if (trimmedEnd <= indent) return;
    const key = /^\s*(?:(['"])([^'"]+)\1|([A-Za-z_][\w.]*))\s*[=:]/.exec(text);
    const end = key ? indent + (key[1] ? key[2].length + 2 : key[3].length) : trimmedEnd;
    links.push({ line: i, start: indent, end, target });
  });
  return links;
}

// "file:///ws/configs/a.py#L12" style fragment used by document links (VS Code opens the line)
export function linkTargetUri(loc: SourceLocation): string {
  return `${loc.uri}#L${loc.line + 1},${loc.character + 1}`;
}

// Checks a server reply before the preview trusts it: a malformed reply is an error message, not a crash.
export function validateMergedResult(x: unknown): MergedConfigResult | string {
  if (!x || typeof x !== 'object') return 'the language server sent no merged config';
  const r = x as Record<string, unknown>;
  if (typeof r.text !== 'string') return 'the merged config reply has no text';
  const lines = Array.isArray(r.lines) ? r.lines : [];
  const diagnostics = Array.isArray(r.diagnostics) ? r.diagnostics : [];
  const okLoc = (l: any) => l && typeof l.uri === 'string' && Number.isInteger(l.line) && Number.isInteger(l.character);
  return {
    text: r.text,
    lines: lines.map((l) => (okLoc(l) ? (l as SourceLocation) : null)),
    diagnostics: diagnostics.filter(okLoc) as MergedConfigResult['diagnostics'],
  };
}
