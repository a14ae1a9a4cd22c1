"""A config's model with its trained weights, for the deployment and
analysis tools."""
import os
from pathlib import Path
from typing import Union

from mmengine.config import Config
from torch import nn

from ..errors import ExportError, MissingDataError
from .model_checks import check_neck_in_channels


def build_model(cfg: Config) -> nn.Module:
    """Build ``cfg.model`` under the config's default scope, as MMEngine's
    Runner does (with the config's top-level ``data_preprocessor``).

    The config's ``custom_imports`` are imported by ``Config.fromfile``.

    Args:
        cfg (Config): The config.

    Returns:
        nn.Module: The model, with its initial weights.

    Raises:
        NeckChannelsError: If the neck does not take the backbone's outputs.
    """
    from mmengine.registry import MODELS, DefaultScope
    check_neck_in_channels(cfg.model)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    scope = cfg.get('default_scope') or 'mmpretrain'
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(model_cfg)


def load_for_export(cfg: Config, checkpoint: Union[str, Path]) -> nn.Module:
    """Build the config's model and load a checkpoint into it, exactly.

    The weights load through MMEngine's ``load_checkpoint``, with
    mmshuffle's safe loader (``weights_only=True``).

    Args:
        cfg (Config): The config.
        checkpoint (str | Path): A checkpoint file (a ``state_dict`` key)
            or a bare state dict.

    Returns:
        nn.Module: The model, in eval mode.

    Raises:
        MissingDataError: If the file does not exist.
        ExportError: If the weights do not fit the model, naming the keys.
        UnsafeCheckpointError: If the file holds arbitrary objects.
    """
    from mmengine.runner import load_checkpoint

    import mmshuffle.compat  # noqa: F401  (the safe loader)

    from ..apis.checkpoints import read_checkpoint, state_dict_mismatch
    if not os.path.isfile(checkpoint):
        raise MissingDataError(f'checkpoint file not found: {checkpoint}')
    model = build_model(cfg)
    try:
        load_checkpoint(model, str(checkpoint), map_location='cpu',
                        strict=True, logger='silent')
    except RuntimeError as error:
        # MMEngine lists every key over many lines: say it in one.
        mismatch = state_dict_mismatch(
            model, read_checkpoint(checkpoint)['state_dict'])
        if not mismatch:
            raise
        raise ExportError(
            f'the weights in {checkpoint} do not fit the model of the '
            f'config: {mismatch}. Was it trained with this config?'
        ) from error
    return model.eval()
