# Fine-tuning recipe, step 2: start from the 2-class checkpoint of step 1, freeze the whole
# backbone (frozen_stages=4: the stem and stages 1-4 keep their weights and BN statistics) and
# train the neck and head on all four demo classes. The class layers (cls_preds.*.2) have
# another shape and start fresh; the log lists them, as MMEngine's load_state_dict does.
# yololab train configs/finetune/yolov8_n-tiny_1xb8-5e_demo-finetune.py
# load_from also takes a released MMYOLO .pth, or its https:// URL (cached in $TORCH_HOME/hub/checkpoints).
_base_ = '../demo/yolov8_n-tiny_1xb8-10e_demo.py'

load_from = 'work_dirs/finetune-2cls/epoch_10.pth'

max_epochs = 5
model = dict(backbone=dict(frozen_stages=4))
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    param_scheduler=dict(max_epochs=max_epochs, warmup_epochs=0, warmup_mim_iter=10),
    checkpoint=dict(interval=max_epochs))

work_dir = 'work_dirs/finetune-4cls'
