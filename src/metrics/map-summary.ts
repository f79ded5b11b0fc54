// The per-class table MMDetection's VOCMetric logs after each evaluation (eval_map's
// print_map_summary, a terminaltables AsciiTable): class, ground truths, detections, final
// recall and AP, then the mean, for each IoU threshold under a `---iou_thr: X---` line.
import type { VocResult } from './voc';

/** An AsciiTable as terminaltables draws it: cells padded by one space, left-aligned, a rule under the header and above the last row. */
export function asciiTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (r: string[]) => '|' + r.map((cell, c) => ` ${cell.padEnd(widths[c])} `).join('|') + '|';
  const body = rows.slice(1, -1).map(line);
  return [rule, line(rows[0]), rule, ...body, rule, line(rows[rows.length - 1]), rule].join('\n');
}

/** The log messages of VOCMetric.compute_metrics for `result`, in order (each starts with a newline, as MMDetection's do). */
export function vocSummary(result: VocResult, classes: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of result.perIoU) {
    out.push(`\n${'-'.repeat(15)}iou_thr: ${p.iouThr}${'-'.repeat(15)}`);
    // numpy keeps recall and AP in float32 before formatting them with '.3f'.
    const f3 = (x: number) => Math.fround(x).toFixed(3);
    const rows = [['class', 'gts', 'dets', 'recall', 'ap']];
    p.perClass.forEach((c, i) =>
      rows.push([classes[i] ?? String(i), String(c.numGts), String(c.numDets), f3(c.recall), f3(c.ap)]),
    );
    rows.push(['mAP', '', '', '', f3(p.mAP)]);
    out.push('\n' + asciiTable(rows));
  }
  return out;
}
