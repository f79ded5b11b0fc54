# PyTorch reference for the trainer benchmark (bench/train.ts): MMYOLO's YOLOv8-n
# architecture (YOLOv8CSPDarknet + YOLOv8PAFPN + YOLOv8HeadModule, deepen 0.33, widen 0.25,
# 80 classes) written with plain torch.nn, trained with SGD (Nesterov momentum) on random
# images with three boxes each; the loss is YOLOv8's (task-aligned assignment, BCE, CIoU,
# DFL) in plain torch. Prints one JSON line per case; the thread count comes from argv.
#
#   /usr/bin/python3 bench/train_reference.py THREADS train:SIZExBATCH,infer:SIZExBATCH,... [REPS]
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvModule(nn.Module):
    def __init__(self, ci, co, k, s=1, p=None):
        super().__init__()
        self.conv = nn.Conv2d(ci, co, k, s, k // 2 if p is None else p, bias=False)
        self.bn = nn.BatchNorm2d(co, eps=0.001, momentum=0.03)
        self.act = nn.SiLU(inplace=True)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c, identity):
        super().__init__()
        self.conv1 = ConvModule(c, c, 3)
        self.conv2 = ConvModule(c, c, 3)
        self.identity = identity

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        return x + y if self.identity else y


class C2f(nn.Module):  # CSPLayerWithTwoConv
    def __init__(self, ci, co, n, identity):
        super().__init__()
        self.mid = co // 2
        self.main_conv = ConvModule(ci, 2 * self.mid, 1)
        self.final_conv = ConvModule((2 + n) * self.mid, co, 1)
        self.blocks = nn.ModuleList(Bottleneck(self.mid, identity) for _ in range(n))

    def forward(self, x):
        parts = list(self.main_conv(x).split((self.mid, self.mid), 1))
        for b in self.blocks:
            parts.append(b(parts[-1]))
        return self.final_conv(torch.cat(parts, 1))


class SPPF(nn.Module):
    def __init__(self, ci, co):
        super().__init__()
        mid = ci // 2
        self.conv1 = ConvModule(ci, mid, 1)
        self.conv2 = ConvModule(mid * 4, co, 1)
        self.pool = nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        a = self.conv1(x)
        y1 = self.pool(a)
        y2 = self.pool(y1)
        return self.conv2(torch.cat([a, y1, y2, self.pool(y2)], 1))


class YOLOv8n(nn.Module):
    def __init__(self, num_classes=80, reg_max=16):
        super().__init__()
        c = [16, 32, 64, 128, 256]  # make_divisible(64..1024, 0.25)
        n = [1, 2, 2, 1]  # make_round(3,6,6,3, 0.33)
        self.stem = ConvModule(3, c[0], 3, 2, 1)
        stages = []
        for i in range(4):
            mods = [ConvModule(c[i], c[i + 1], 3, 2, 1), C2f(c[i + 1], c[i + 1], n[i], True)]
            if i == 3:
                mods.append(SPPF(c[4], c[4]))
            stages.append(nn.Sequential(*mods))
        self.stages = nn.ModuleList(stages)
        ins = [64, 128, 256]
        self.top_down = nn.ModuleList([C2f(ins[1] + ins[2], ins[1], 1, False), C2f(ins[0] + ins[1], ins[0], 1, False)])
        self.down = nn.ModuleList([ConvModule(ins[0], ins[0], 3, 2, 1), ConvModule(ins[1], ins[1], 3, 2, 1)])
        self.bottom_up = nn.ModuleList([C2f(ins[0] + ins[1], ins[1], 1, False), C2f(ins[1] + ins[2], ins[2], 1, False)])
        reg_out = max(16, ins[0] // 4, reg_max * 4)
        cls_out = max(ins[0], num_classes)
        self.cls = nn.ModuleList(nn.Sequential(ConvModule(ci, cls_out, 3), ConvModule(cls_out, cls_out, 3), nn.Conv2d(cls_out, num_classes, 1)) for ci in ins)
        self.reg = nn.ModuleList(nn.Sequential(ConvModule(ci, reg_out, 3), ConvModule(reg_out, reg_out, 3), nn.Conv2d(reg_out, 4 * reg_max, 1)) for ci in ins)
        self.nc = num_classes
        self.reg_max = reg_max

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for i, s in enumerate(self.stages):
            x = s(x)
            if i >= 1:
                feats.append(x)
        p3, p4, p5 = feats
        t4 = self.top_down[0](torch.cat([F.interpolate(p5, scale_factor=2.0), p4], 1))
        t3 = self.top_down[1](torch.cat([F.interpolate(t4, scale_factor=2.0), p3], 1))
        o4 = self.bottom_up[0](torch.cat([self.down[0](t3), t4], 1))
        o5 = self.bottom_up[1](torch.cat([self.down[1](o4), p5], 1))
        b = x.shape[0]
        cls, reg = [], []
        for i, f in enumerate([t3, o4, o5]):
            cls.append(self.cls[i](f).permute(0, 2, 3, 1).reshape(b, -1, self.nc))
            reg.append(self.reg[i](f).permute(0, 2, 3, 1).reshape(b, -1, 4, self.reg_max))
        return torch.cat(cls, 1), torch.cat(reg, 1)


def priors(h, w, strides=(8, 16, 32)):
    pts, st = [], []
    for s in strides:
        ys, xs = torch.meshgrid(torch.arange(h // s), torch.arange(w // s), indexing='ij')
        pts.append(torch.stack([(xs.flatten() + 0.5) * s, (ys.flatten() + 0.5) * s], 1))
        st.append(torch.full((pts[-1].shape[0],), float(s)))
    return torch.cat(pts).float(), torch.cat(st)


def ciou(a, b, eps=1e-7):
    iw = (torch.min(a[..., 2], b[..., 2]) - torch.max(a[..., 0], b[..., 0])).clamp(min=0)
    ih = (torch.min(a[..., 3], b[..., 3]) - torch.max(a[..., 1], b[..., 1])).clamp(min=0)
    inter = iw * ih
    w1, h1 = a[..., 2] - a[..., 0], a[..., 3] - a[..., 1] + eps
    w2, h2 = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1] + eps
    iou = inter / (w1 * h1 + w2 * h2 - inter + eps)
    cw = torch.max(a[..., 2], b[..., 2]) - torch.min(a[..., 0], b[..., 0])
    ch = torch.max(a[..., 3], b[..., 3]) - torch.min(a[..., 1], b[..., 1])
    c2 = cw ** 2 + ch ** 2 + eps
    rho2 = ((b[..., 0] + b[..., 2] - a[..., 0] - a[..., 2]) ** 2 + (b[..., 1] + b[..., 3] - a[..., 1] - a[..., 3]) ** 2) / 4
    v = 4 / math.pi ** 2 * (torch.atan(w2 / h2) - torch.atan(w1 / h1)) ** 2
    with torch.no_grad():
        alpha = v / (v - iou + 1 + eps)
    return (iou - (rho2 / c2 + alpha * v)).clamp(-1, 1)


def yolov8_loss(cls, reg, gt_boxes, gt_labels, pts, st, topk=10, alpha=0.5, beta=6.0):
    """Task-aligned assignment (no grad) + BCE + CIoU + DFL, normalised as YOLOv8Head."""
    b, a, nc = cls.shape
    r = reg.shape[-1]
    proj = torch.arange(r, dtype=torch.float32)
    dist = (reg.softmax(-1) * proj).sum(-1) * st[None, :, None]
    boxes = torch.cat([pts - dist[..., :2], pts + dist[..., 2:]], -1)  # [B,A,4]
    with torch.no_grad():
        scores = cls.sigmoid()
        g = gt_boxes.shape[1]
        inside = ((pts[None, None] > gt_boxes[:, :, None, :2]) & (pts[None, None] < gt_boxes[:, :, None, 2:])).all(-1)  # [B,G,A]
        ov = ciou(gt_boxes[:, :, None, :].expand(b, g, a, 4), boxes[:, None].expand(b, g, a, 4)).clamp(min=0) * inside
        sc = scores.gather(2, gt_labels[:, None, :].expand(b, a, g)).permute(0, 2, 1)
        metric = sc.pow(alpha) * ov.pow(beta) * inside
        top = metric.topk(topk, -1).indices
        pos = torch.zeros_like(metric).scatter_(-1, top, 1.0) * inside
        best = (ov * pos).argmax(1)  # [B,A]
        fg = pos.sum(1) > 0
        pos = F.one_hot(best, g).permute(0, 2, 1).float() * fg[:, None]
        am = metric * pos
        norm = (am * (ov * pos).amax(-1, keepdim=True) / (am.amax(-1, keepdim=True) + 1e-9)).amax(1)  # [B,A]
        tgt_labels = gt_labels.gather(1, best)
        tgt_scores = F.one_hot(tgt_labels, nc).float() * (norm * fg)[..., None]
        tgt_boxes = gt_boxes.gather(1, best[..., None].expand(b, a, 4))
    ssum = tgt_scores.sum().clamp(min=1)
    loss_cls = F.binary_cross_entropy_with_logits(cls, tgt_scores, reduction='sum') / ssum
    w = tgt_scores.sum(-1)[fg]
    pb = boxes[fg] / st[None, :, None].expand(b, a, 1)[fg]
    tb = tgt_boxes[fg] / st[None, :, None].expand(b, a, 1)[fg]
    loss_bbox = ((1 - ciou(pb, tb)) * w).sum() / ssum
    p = (pts[None].expand(b, a, 2)[fg] / st[None, :, None].expand(b, a, 1)[fg])
    t = torch.cat([p - tb[:, :2], tb[:, 2:] - p], -1).clamp(0, r - 1 - 0.01)
    left = t.long()
    wl = left + 1 - t
    logp = F.log_softmax(reg[fg], -1)
    dfl = -(logp.gather(-1, left[..., None]).squeeze(-1) * wl + logp.gather(-1, (left + 1)[..., None]).squeeze(-1) * (1 - wl))
    loss_dfl = (dfl.mean(-1) * w).sum() / ssum
    return (0.5 * loss_cls + 7.5 * loss_bbox + 1.5 / 4 * 4 * loss_dfl) * b


def data(batch, size, gen):
    imgs = torch.rand(batch, 3, size, size, generator=gen)
    xy = torch.rand(batch, 3, 2, generator=gen) * size * 0.6
    s = (torch.rand(batch, 3, 1, generator=gen) * 0.25 + 0.1) * size
    return imgs, torch.cat([xy, xy + s], -1), torch.randint(0, 80, (batch, 3), generator=gen)


def main():
    threads = int(sys.argv[1])
    cases = [(c.split(':')[0],) + tuple(int(v) for v in c.split(':')[1].split('x')) for c in sys.argv[2].split(',')]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = YOLOv8n()
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (decay if n.endswith('conv.weight') or (p.dim() == 4) else no_decay).append(p)
    opt = torch.optim.SGD([{'params': decay, 'weight_decay': 5e-4}, {'params': no_decay, 'weight_decay': 0}], lr=0.01, momentum=0.937, nesterov=True)
    gen = torch.Generator().manual_seed(1)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    for kind, size, batch in cases:
        imgs, gb, gl = data(batch, size, gen)
        pts, st = priors(size, size)
        times, cpu = [], []
        for i in range(reps + 1):
            t = time.perf_counter()
            c = time.process_time()
            if kind == 'train':
                model.train()
                cls, reg = model(imgs)
                loss = yolov8_loss(cls, reg, gb, gl, pts, st)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            else:
                model.eval()
                with torch.no_grad():
                    model(imgs)
            if i > 0:
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
        print(json.dumps({'kind': kind, 'size': size, 'batch': batch, 'threads': torch.get_num_threads(), 'torch': torch.__version__, 'seconds': med(times), 'cpu_seconds': med(cpu)}), flush=True)


if __name__ == '__main__':
    main()
