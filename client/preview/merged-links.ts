// The merged-config preview's links back to the source. Every line has a place "go to source" opens
// (definition, the Go to Where This Is Set command); only the `file:line` of old values in the
// focused part are shown as links, so the text does not drown in underlines. Pure; the extension turns
// these into DocumentLinks and definitions. The reply's shape is protocol/requests.ts's.
import type { MergedConfigResult, PreviewLink, SourceLink } from '../../protocol/index';

/** The spans shown as links, as the server chose them (only those on lines of the text). */
export function previewLinks(result: MergedConfigResult): PreviewLink[] {
  const lines = result.text.split('\n');
  return (result.links ?? []).filter(
    (l) => l.line < lines.length && l.start >= 0 && l.end <= lines[l.line].length && l.start < l.end,
  );
}

// "file:///ws/configs/a.py#L12" style fragment used by document links (VS Code opens the line)
export function linkTargetUri(loc: SourceLink): string {
  return `${loc.uri}#L${loc.line + 1},${loc.character + 1}`;
}

// Checks a server reply before the preview trusts it: a malformed reply is an error message, not a crash.
// What an older server leaves out is filled in (no links, no focused part).
export function validateMergedResult(x: unknown): MergedConfigResult | string {
  if (!x || typeof x !== 'object') return 'the language server sent no merged config';
  const r = x as Record<string, unknown>;
  if (typeof r.text !== 'string') return 'the merged config reply has no text';
  const lines = Array.isArray(r.lines) ? r.lines : [];
  const diagnostics = Array.isArray(r.diagnostics) ? r.diagnostics : [];
  const okLoc = (l: any) => l && typeof l.uri === 'string' && Number.isInteger(l.line) && Number.isInteger(l.character);
  const okLink = (l: any) =>
    l && Number.isInteger(l.line) && Number.isInteger(l.start) && Number.isInteger(l.end) && okLoc(l.target);
  return {
    text: r.text,
    lines: lines.map((l) => (okLoc(l) ? (l as SourceLink) : null)),
    diagnostics: diagnostics.filter(okLoc) as MergedConfigResult['diagnostics'],
    links: (Array.isArray(r.links) ? r.links : []).filter(okLink) as PreviewLink[],
    focusLines: Number.isInteger(r.focusLines) ? (r.focusLines as number) : 0,
  };
}
