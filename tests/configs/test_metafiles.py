"""The model zoo's metafiles: every model builds from its config, every
published number has a source, and every ImageNet config is listed.

The numbers taken from torchvision and mmpretrain are checked against their
own files on disk, so a typo in a metafile fails here.
"""
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from mmshuffle.apis import list_models
from mmshuffle.apis.model_index import find_model

REPO = Path(__file__).resolve().parents[2]
FAMILIES = ('mobilenet_v2', 'shufflenet_v1', 'shufflenet_v2')
INDEX = yaml.safe_load((REPO / 'model-index.yml').read_text())
# The numbers a model may publish under Metadata; Results hold the rest.
METADATA_METRICS = ('FLOPs', 'Parameters')


def read_models() -> List[Tuple[str, dict]]:
    models = []
    for metafile in INDEX['Import']:
        for model in yaml.safe_load((REPO / metafile).read_text())['Models']:
            models.append((metafile, model))
    return models


MODELS_LISTED = read_models()
BY_NAME: Dict[str, dict] = {model['Name']: model for _, model in MODELS_LISTED}
CONFIGS = sorted({model['Config'] for _, model in MODELS_LISTED})


def metrics_of(model: dict) -> Dict[str, float]:
    found = {
        key: value
        for key, value in model.get('Metadata', {}).items()
        if key in METADATA_METRICS
    }
    for result in model.get('Results', []):
        found.update(result['Metrics'])
    return found


def test_the_index_imports_one_metafile_per_family():
    assert INDEX['Import'] == [
        f'configs/{family}/metafile.yml' for family in FAMILIES
    ]


def test_every_imagenet_config_is_in_a_metafile():
    imagenet_configs = sorted(
        str(path.relative_to(REPO)) for family in FAMILIES
        for path in (REPO / 'configs' / family).glob('*_in1k.py'))
    assert len(imagenet_configs) == 14
    assert sorted(set(imagenet_configs) - set(CONFIGS)) == []


@pytest.mark.parametrize('metafile, model', MODELS_LISTED,
                         ids=[model['Name'] for _, model in MODELS_LISTED])
def test_every_number_has_a_source(metafile, model):
    metrics = metrics_of(model)
    assert metrics, f'{model["Name"]} in {metafile} publishes no number'
    sources = model.get('Sources', {})
    assert sorted(set(metrics) - set(sources)) == [], 'numbers without source'
    assert sorted(set(sources) - set(metrics)) == [], 'sources of nothing'
    assert all(isinstance(source, str) and source.strip()
               for source in sources.values())


def test_every_model_in_the_index_resolves():
    assert list_models() == sorted(BY_NAME)
    for name in list_models():
        entry = find_model(name)
        assert entry.config.is_file(), entry.config
        assert entry.weights == BY_NAME[name].get('Weights')


def test_mmpretrain_s_model_index_reader_reads_it():
    from modelindex.load_model_index import load
    index = load(str(REPO / 'model-index.yml'))
    index.build_models_with_collections()
    read = {model.name: model for model in index.models}
    assert sorted(read) == sorted(BY_NAME)
    for name, model in read.items():
        assert model.config == BY_NAME[name]['Config']
        assert model.weights == BY_NAME[name].get('Weights')
        assert model.in_collection in {'ShuffleNet V1', 'ShuffleNet V2',
                                       'MobileNet V2'}


def mmpretrain_models() -> Dict[str, dict]:
    import mmpretrain
    root = Path(mmpretrain.__file__).parent / '.mim' / 'configs'
    return {
        model['Name']: model
        for family in FAMILIES
        for model in yaml.safe_load(
            (root / family / 'metafile.yml').read_text())['Models']
    }


def test_mmpretrain_s_numbers_and_weights_are_copied_exactly():
    theirs = mmpretrain_models()
    ours = {name: model for name, model in BY_NAME.items() if name in theirs}
    assert sorted(ours) == sorted(theirs)
    for name, model in ours.items():
        assert model['Weights'] == theirs[name]['Weights']
        assert model['Config'] == theirs[name]['Config']
        assert metrics_of(model) == metrics_of(theirs[name])
        assert all(source.startswith('mmpretrain 1.2.0')
                   for source in model['Sources'].values())


def torchvision_weights() -> Dict[str, object]:
    from torchvision.models import (
        MobileNet_V2_Weights,
        ShuffleNet_V2_X0_5_Weights,
        ShuffleNet_V2_X1_0_Weights,
        ShuffleNet_V2_X1_5_Weights,
        ShuffleNet_V2_X2_0_Weights,
    )
    enums = (ShuffleNet_V2_X0_5_Weights, ShuffleNet_V2_X1_0_Weights,
             ShuffleNet_V2_X1_5_Weights, ShuffleNet_V2_X2_0_Weights,
             MobileNet_V2_Weights)
    return {weights.url: weights for enum in enums for weights in enum}


def test_torchvision_s_numbers_and_weights_are_copied_exactly():
    published = torchvision_weights()
    ours = {
        model['Weights']: model
        for _, model in MODELS_LISTED if model.get('Converter')
    }
    assert sorted(ours) == sorted(published)
    for url, model in ours.items():
        meta = published[url].meta
        accuracy = meta['_metrics']['ImageNet-1K']
        assert model['Converter'] == 'torchvision'
        assert metrics_of(model) == {
            'FLOPs': round(meta['_ops'] * 1e9),
            'Parameters': meta['num_params'],
            'Top 1 Accuracy': accuracy['acc@1'],
            'Top 5 Accuracy': accuracy['acc@5'],
        }
        assert all(f'{type(published[url]).__name__}.{published[url].name}'
                   in source for source in model['Sources'].values())
