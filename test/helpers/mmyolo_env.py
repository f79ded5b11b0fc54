# Test helper: runs the real MMYOLO (sources under $MMYOLO_SRC, default /tmp/src) for the optional
# reference tests, which skip when the sources or /usr/bin/python3 with torch are absent.
# Makes real MMYOLO v0.6.0 importable on Debian's torch 1.13 without compiling mmcv's ops:
# mmcv.ops is replaced by a module whose batched_nms/nms use torchvision; anything else raises when used.
# Import this module first (or run python3 mmyolo_env.py SCRIPT ARGS...).
import sys, types, importlib.abc, importlib.machinery, runpy
import os
S = os.environ.get('MMYOLO_SRC', '/tmp/src')
sys.path[:0] = [f'{S}/mmyolo', f'{S}/mmdetection', f'{S}/mmcv', f'{S}/mmengine', f'{S}/addict']

def _batched_nms(boxes, scores, idxs, nms_cfg, class_agnostic=False):
    import torch, torchvision
    if nms_cfg is None:
        scores, inds = scores.sort(descending=True); boxes = boxes[inds]
        return torch.cat([boxes, scores[:, None]], -1), inds
    nms_cfg = dict(nms_cfg); thr = nms_cfg.get('iou_threshold', nms_cfg.get('iou_thr'))
    keep = torchvision.ops.batched_nms(boxes.float(), scores.float(), torch.zeros_like(idxs) if class_agnostic else idxs, thr)
    mx = nms_cfg.get('max_num', -1)
    if mx and mx > 0: keep = keep[:mx]
    return torch.cat([boxes[keep], scores[keep, None]], -1), keep

def _nms(boxes, scores, iou_threshold, offset=0, score_threshold=0, max_num=-1):
    import torch, torchvision
    keep = torchvision.ops.nms(boxes.float(), scores.float(), iou_threshold)
    if max_num > 0: keep = keep[:max_num]
    return torch.cat([boxes[keep], scores[keep, None]], -1), keep

class _Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith('__'): raise AttributeError(name)
        if name == 'batched_nms': return _batched_nms
        if name == 'nms': return _nms
        def f(*a, **k): raise RuntimeError(f'{self.__name__}.{name}: compiled mmcv op not available')
        return type(name, (), {'__init__': f}) if name[:1].isupper() else f

class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    PREFIXES = ('mmcv.ops', 'mmcv._ext', 'pycocotools')
    def find_spec(self, name, path=None, target=None):
        if name.startswith(self.PREFIXES):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
    def create_module(self, spec):
        m = _Stub(spec.name); m.__path__ = []; return m
    def exec_module(self, module): pass
sys.meta_path.insert(0, _StubFinder())

if __name__ == '__main__':
    script = sys.argv[1]; sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name='__main__')
