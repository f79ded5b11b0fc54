// `\N{NAME}` escapes: the names config files plausibly use. Python knows every
// Unicode name; a name missing here is reported as unknown (a diagnostic, never a
// wrong character).
const NAMES: Record<string, string> = {
  'DEGREE SIGN': '\u00B0',
  'MICRO SIGN': '\u00B5',
  'MULTIPLICATION SIGN': '\u00D7',
  'DIVISION SIGN': '\u00F7',
  'GREEK SMALL LETTER ALPHA': '\u03B1',
  'GREEK SMALL LETTER BETA': '\u03B2',
  'GREEK SMALL LETTER GAMMA': '\u03B3',
  'GREEK SMALL LETTER DELTA': '\u03B4',
  'GREEK SMALL LETTER EPSILON': '\u03B5',
  'GREEK SMALL LETTER LAMDA': '\u03BB',
  'GREEK SMALL LETTER MU': '\u03BC',
  'GREEK SMALL LETTER PI': '\u03C0',
  'GREEK SMALL LETTER SIGMA': '\u03C3',
  BULLET: '\u2022',
  'HORIZONTAL ELLIPSIS': '\u2026',
  'EN DASH': '\u2013',
  'EM DASH': '\u2014',
  'RIGHTWARDS ARROW': '\u2192',
  'LEFTWARDS ARROW': '\u2190',
  'CHECK MARK': '\u2713',
  'PLUS-MINUS SIGN': '\u00B1',
  SPACE: ' ',
  'NO-BREAK SPACE': '\u00A0',
  'LATIN SMALL LETTER E WITH ACUTE': '\u00E9',
  'COPYRIGHT SIGN': '\u00A9',
  INFINITY: '\u221E',
  SNOWMAN: '\u2603',
};

export function unicodeName(name: string): string | undefined {
  return NAMES[name.trim().toUpperCase()];
}
