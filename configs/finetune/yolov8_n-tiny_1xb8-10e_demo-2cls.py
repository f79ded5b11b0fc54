# Fine-tuning recipe, step 1: train the demo detector on half of the demo classes (circle,
# square); triangles and stars in the images are ignored (their objects are not in metainfo).
# yololab train configs/finetune/yolov8_n-tiny_1xb8-10e_demo-2cls.py
_base_ = '../demo/yolov8_n-tiny_1xb8-10e_demo.py'

class_name = ('circle', 'square')
num_classes = len(class_name)
metainfo = dict(classes=class_name)

# Values the base computed from its num_classes/metainfo are re-bound here (MMEngine does
# not re-evaluate the base with the child's variables).
model = dict(
    bbox_head=dict(head_module=dict(num_classes=num_classes)),
    train_cfg=dict(assigner=dict(num_classes=num_classes)))
train_dataloader = dict(dataset=dict(metainfo=metainfo))
val_dataloader = dict(dataset=dict(metainfo=metainfo))
test_dataloader = val_dataloader

work_dir = 'work_dirs/finetune-2cls'
