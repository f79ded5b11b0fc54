# The demo YOLOv8 with a Non-local block (embedded Gaussian) after the last backbone stage.
_base_ = '../demo/yolov8_n-tiny_1xb8-10e_demo.py'

model = dict(
    backbone=dict(plugins=[
        dict(
            cfg=dict(
                type='NonLocal2d',
                reduction=2,
                use_scale=True,
                mode='embedded_gaussian'),
            stages=(False, False, False, True))
    ]))
