// When configs move, the repository's documents follow: `Config:` entries of
// OpenMMLab `metafile.yml` files (paths from the repository root; also their
// `README:` and model-index.yml's `Import:` list) and relative
// links in Markdown (`[config](./x.py)`, `[x]: ../x.py`, `href="x.py"`,
// `/configs/...` from the repository root). Links in a Markdown file that
// moves are recomputed from its new folder. Absolute URLs are left alone.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../config/source';
import { isUnder, listFiles, SKIP_DIRS } from './config-files';
import { movedPath, type FileMove, type TextEdit } from './rename-edits';

/** Markdown files and metafiles under the roots. */
export function listDocuments(roots: string[]): { markdown: string[]; metafiles: string[] } {
  const isMarkdown = (name: string) => /\.(md|markdown)$/i.test(name);
  const isMetafile = (name: string) => /^(metafile|model-index)\.ya?ml$/i.test(name);
  // One walk; dataset folders (images by the thousand) hold no documents worth rewriting.
  const all = listFiles(roots, (name) => isMarkdown(name) || isMetafile(name), DOC_SKIP_DIRS);
  return {
    markdown: all.filter((f) => isMarkdown(path.basename(f))),
    metafiles: all.filter((f) => isMetafile(path.basename(f))),
  };
}

const DOC_SKIP_DIRS = new Set([...SKIP_DIRS, 'data']);

/** The repository a file belongs to: the nearest folder up with `.git` or `model-index.yml`, else its workspace root. */
export function repositoryRoot(file: string, roots: string[]): string {
  const root = roots.find((r) => isUnder(file, r)) ?? path.dirname(file);
  for (let dir = path.dirname(file); isUnder(dir, root) || dir === root; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git')) || fs.existsSync(path.join(dir, 'model-index.yml'))) return dir;
    if (dir === root) break;
  }
  return root;
}

function readText(file: string, textOf: (f: string) => string | undefined): string | undefined {
  const t = textOf(file);
  if (t !== undefined) return t;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const slash = (p: string) => p.split(path.sep).join('/');

const namesAnyMove = (text: string, moves: FileMove[]) => moves.some((m) => text.includes(path.basename(m.from)));

/** repositoryRoot, remembered per folder for one batch of edits. */
function repositoryRoots(roots: string[]): (file: string) => string {
  const byDir = new Map<string, string>();
  return (file) => {
    const dir = path.dirname(file);
    let r = byDir.get(dir);
    if (r === undefined) byDir.set(dir, (r = repositoryRoot(file, roots)));
    return r;
  };
}

/** Whether any move touches `p` (the path itself or a folder above it). */
function touched(p: string, moves: FileMove[]): boolean {
  return moves.some((m) => p === m.from || isUnder(p, m.from));
}

/**
 * Paths in OpenMMLab metafiles and model-index.yml, written from the repository
 * root: `Config: configs/x/y.py`, `README: configs/x/README.md`, and the
 * `Import:` list of metafiles.
 */
export function metafileRenameEdits(
  metafiles: string[],
  roots: string[],
  moves: FileMove[],
  textOf: (f: string) => string | undefined,
): TextEdit[] {
  const edits: TextEdit[] = [];
  const repoOf = repositoryRoots(roots);
  for (const file of metafiles) {
    const text = readText(file, textOf);
    // Cheap skip: nothing moved is named in this file.
    if (text === undefined || !namesAnyMove(text, moves)) continue;
    const repo = repoOf(file);
    const lines = new LineIndex(text);
    for (const m of text.matchAll(
      /^([ \t]*(?:-[ \t]+)?(?:(?:Config|README)[ \t]*:[ \t]*)?)(['"]?)([^'"\s#]+\/[^'"\s#]+)\2[ \t]*(?:#.*)?$/gm,
    )) {
      const spec = m[3];
      if (/^[a-z][\w+.-]*:/i.test(spec)) continue; // a URL
      const target = path.resolve(repo, spec);
      if (!touched(target, moves)) continue;
      const start = m.index! + m[1].length + m[2].length;
      edits.push({
        file,
        range: { start: lines.position(start), end: lines.position(start + spec.length) },
        newText: slash(path.relative(repo, movedPath(target, moves))),
      });
    }
  }
  return edits;
}

/** Link targets in Markdown: inline links and images, reference definitions, and href/src attributes. */
const LINK =
  /\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)|^[ \t]{0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)>?|\b(?:href|src)\s*=\s*"([^"]+)"|\b(?:href|src)\s*=\s*'([^']+)'/gim;

export function markdownRenameEdits(
  markdown: string[],
  roots: string[],
  moves: FileMove[],
  textOf: (f: string) => string | undefined,
): TextEdit[] {
  const edits: TextEdit[] = [];
  const repoOf = repositoryRoots(roots);
  for (const file of markdown) {
    const newFile = movedPath(file, moves);
    const fileMoves = newFile !== file;
    const text = readText(file, textOf);
    if (text === undefined) continue;
    // Cheap skip: nothing moved is named in this file, and the file itself stays.
    if (!fileMoves && !namesAnyMove(text, moves)) continue;
    const repo = repoOf(file);
    const lines = new LineIndex(text);
    LINK.lastIndex = 0;
    for (let m = LINK.exec(text); m; m = LINK.exec(text)) {
      const group = [1, 2, 3, 4].find((g) => m![g] !== undefined)!;
      const raw = m[group];
      if (/^[a-z][\w+.-]*:/i.test(raw) || raw.startsWith('#') || raw.startsWith('//')) continue; // URLs, anchors
      const cut = raw.search(/[#?]/);
      // The `#L10` or `?plain=1` after the path stays as it is.
      const pathPart = cut < 0 ? raw : raw.slice(0, cut);
      if (!pathPart) continue;
      let decoded: string;
      try {
        decoded = decodeURIComponent(pathPart);
      } catch {
        continue;
      }
      const fromRoot = decoded.startsWith('/');
      const target = fromRoot ? path.join(repo, decoded) : path.resolve(path.dirname(file), decoded);
      const targetMoves = touched(target, moves);
      // A link from a moved file to something that stays is recomputed only if it pointed at something real.
      if (!targetMoves && (fromRoot || !fileMoves || !fs.existsSync(target))) continue;
      const newTarget = movedPath(target, moves);
      let spec = fromRoot
        ? '/' + slash(path.relative(repo, newTarget))
        : slash(path.relative(path.dirname(newFile), newTarget)) || '.';
      if (!fromRoot && pathPart.startsWith('./') && !spec.startsWith('.')) spec = './' + spec;
      if (pathPart.endsWith('/') && !spec.endsWith('/')) spec += '/';
      const encoded = pathPart === decoded ? spec : encodeURI(spec);
      if (encoded === pathPart) continue;
      const start = m.index + m[0].indexOf(raw, group === 2 ? m[0].indexOf(':') : 0);
      edits.push({
        file,
        range: { start: lines.position(start), end: lines.position(start + pathPart.length) },
        newText: encoded,
      });
    }
  }
  return edits;
}

/** The edits of both kinds for a set of moves, over every document of the workspace. */
export function documentRenameEdits(
  roots: string[],
  moves: FileMove[],
  textOf: (f: string) => string | undefined,
): TextEdit[] {
  const { markdown, metafiles } = listDocuments(roots);
  return [
    ...metafileRenameEdits(metafiles, roots, moves, textOf),
    ...markdownRenameEdits(markdown, roots, moves, textOf),
  ];
}
