"""A fix for MMDetection 3.3.0; importing this module applies it.

``BaseDenseHead.predict_by_feat_single`` reads ``self.loss_cls`` to look for
custom class channels, but ``SSDHead`` never sets ``loss_cls`` (it skips
``AnchorHead.__init__``), so every SSD or SSDLite prediction fails with
``AttributeError: 'SSDHead' object has no attribute 'loss_cls'``
(open-mmlab/mmdetection issues 11063, 11305 and 11780; unfixed in 3.3.0).
SSDHead gets ``loss_cls = None`` as a class attribute: the check then finds
no custom channels, which is what SSD has. The configs under
``configs/detection/`` import this module through ``custom_imports``.
"""
from mmdet.models.dense_heads import SSDHead

if not hasattr(SSDHead, 'loss_cls'):
    SSDHead.loss_cls = None
