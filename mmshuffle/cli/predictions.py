"""What the analysis tools read: the predictions ``tools/test.py --out``
saved, and the metadata (class names) of a config's test set."""
from pathlib import Path
from typing import Dict, List, Union

from mmengine.config import Config

from ..errors import UserInputError


def load_predictions(path: Union[str, Path],
                     classifier: bool = False) -> List[Dict]:
    """Read the predictions ``tools/test.py --out FILE.pkl`` wrote.

    Args:
        path (str | Path): The pickle.
        classifier (bool): Require a classifier's predictions (with
            ``pred_label``). Defaults to False.

    Returns:
        list[dict]: One prediction per test image.

    Raises:
        UserInputError: If the file does not exist, holds no list of
            predictions, or (``classifier``) holds a detector's.
    """
    import mmengine
    if not Path(path).is_file():
        raise UserInputError(f'predictions {path}: no such file')
    predictions = mmengine.load(str(path))
    if not isinstance(predictions, list) or not predictions:
        raise UserInputError(f'predictions {path}: not the list of '
                             'predictions tools/test.py --out writes')
    if classifier and 'pred_label' not in predictions[0]:
        raise UserInputError(
            f'predictions {path}: not a classifier\'s (no pred_label): does '
            'the config match them?')
    return predictions


def test_set_metainfo(cfg: Config) -> Dict:
    """The metadata of a config's test set (``classes``...), read from the
    dataset it builds (its annotations must be there).

    Args:
        cfg (Config): The config.

    Returns:
        dict: The dataset's ``metainfo``.
    """
    from mmengine.registry import DATASETS, DefaultScope
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return dict(DATASETS.build(cfg.test_dataloader.dataset).metainfo)
