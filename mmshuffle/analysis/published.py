"""The published ImageNet top-1 of each variant, from the model zoo."""
from typing import Dict, Tuple

from ..models.variants import variant_of
from ..resources import resource_root


def published_top1() -> Dict[str, Tuple[float, str]]:
    """The first top-1 the zoo's metafiles list for each variant.

    The metafiles list mmpretrain's result first, then torchvision's, then
    the papers'.

    Returns:
        dict[str, tuple[float, str]]: By variant name, the ImageNet-1k
        top-1 in percent and the zoo model it comes from.

    Raises:
        MissingDataError: If the zoo's files are not there (an install from
            a wheel).
    """
    from mmengine.config import Config

    from mmshuffle.apis.model_index import load_model_index, read_yaml
    results: Dict[str, Tuple[float, str]] = {}
    metafiles = {entry.metafile for entry in load_model_index().values()}
    configs = {}
    for metafile in sorted(metafiles):
        for model in read_yaml(metafile).get('Models', []):
            top1 = [
                result['Metrics']['Top 1 Accuracy']
                for result in model.get('Results', [])
                if 'Top 1 Accuracy' in result.get('Metrics', {})
            ]
            if not top1:
                continue
            config = resource_root() / model['Config']
            if config not in configs:
                configs[config] = variant_of(
                    Config.fromfile(str(config)).model.backbone)
            variant = configs[config]
            if variant is not None and variant.name not in results:
                results[variant.name] = (float(top1[0]), model['Name'])
    return results
