// Which Python files are OpenMMLab configs: the extension only claims those, so Pylance and
// YOLO Lab coexist on ordinary Python files.
export function looksLikeConfig(filePath: string, text: string): boolean {
  const p = filePath.replace(/\\/g, '/');
  if (!p.endsWith('.py')) return false;
  if (/(^|\/)configs\//.test(p)) return true;
  return /^\s*_base_\s*=/m.test(text) || /\{\{\s*_base_\./.test(text);
}

// '/ws/configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py' -> 'yolov8_s_syncbn_fast_8xb16-500e_coco'
export function configName(filePath: string): string {
  const base = filePath.replace(/\\/g, '/').split('/').pop() ?? filePath;
  return base.replace(/\.py$/, '');
}
