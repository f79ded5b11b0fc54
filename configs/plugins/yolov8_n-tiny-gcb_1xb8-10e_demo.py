# The demo YOLOv8 with GCNet ContextBlocks after backbone stages 2-4 (as MMDetection's
# gcnet configs insert them): plugins=[dict(cfg=dict(type='ContextBlock', ...), stages=...)].
_base_ = '../demo/yolov8_n-tiny_1xb8-10e_demo.py'

model = dict(
    backbone=dict(plugins=[
        dict(
            cfg=dict(type='ContextBlock', ratio=1. / 16),
            stages=(False, True, True, True),
            position='after_conv3')
    ]))
