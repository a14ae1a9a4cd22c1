"""The model zoo in mmpretrain's model hub, under names that do not clash
with mmpretrain's own: ``'mmshuffle.' + name`` (mmpretrain has a
``shufflenet-v2-1x_16xb64_in1k`` of its own).

After :func:`register_in_mmpretrain`, ``mmpretrain.get_model``,
``mmpretrain.list_models``, its inferencers and ``FeatureExtractor`` find
``mmshuffle.shufflenet-v2-1x_16xb64_in1k`` and the rest. Models whose
published weights are another project's layout (torchvision's) are listed
without weights there: load them with :func:`mmshuffle.get_model`, which
converts them.
"""
import tempfile
from pathlib import Path
from typing import List

import yaml

from ..resources import resource_root
from .model_index import load_model_index, read_yaml

PREFIX = 'mmshuffle.'


def register_in_mmpretrain() -> List[str]:
    """Register every model of the zoo in ``mmpretrain.apis.ModelHub``, once.

    Returns:
        list[str]: The names registered by this call (none on a second).

    Raises:
        ImportError: If mmpretrain is not installed.
    """
    from mmpretrain.apis import ModelHub
    entries = load_model_index()
    names = [PREFIX + name for name in entries]
    if all(ModelHub.has(name.lower()) for name in names):
        return []
    models = []
    for metafile in sorted({entry.metafile for entry in entries.values()}):
        for model in read_yaml(metafile).get('Models', []):
            model = dict(model, Name=PREFIX + model['Name'],
                         Config=str(resource_root() / model['Config']))
            if 'Converter' in model:  # weights mmpretrain cannot load
                model.pop('Weights', None)
            model.pop('Converter', None)
            models.append(model)
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / 'model-index.yml'
        index.write_text(yaml.safe_dump({'Models': models}))
        ModelHub.register_model_index(index)
    return names
