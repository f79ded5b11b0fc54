// Which Python files are OpenMMLab configs: the extension only claims those, so Pylance and
// YOLO Lab coexist on ordinary Python files. The rule is the language server's own
// (protocol/config-file-rule.ts), with the `yololab.configGlobs` setting.
import { DEFAULT_CONFIG_GLOBS, isConfigFile, type ConfigFileRule } from '../protocol/config-file-rule';

export function looksLikeConfig(
  filePath: string,
  text: string,
  rule: ConfigFileRule = { roots: [], globs: DEFAULT_CONFIG_GLOBS },
): boolean {
  return isConfigFile(filePath, text, rule);
}

// '/ws/configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py' -> 'yolov8_s_syncbn_fast_8xb16-500e_coco'
export function configName(filePath: string): string {
  const base = filePath.replace(/\\/g, '/').split('/').pop() ?? filePath;
  return base.replace(/\.py$/, '');
}
