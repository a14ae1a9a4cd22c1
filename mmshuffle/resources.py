"""Where the configs, the tools and the model index are: beside the package
in a checkout (or an editable install), in the package's ``.mim`` folder
in an installed wheel, as mmpretrain ships them."""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# What setup.py copies into the wheel's mmshuffle/.mim.
SHIPPED = ('configs', 'tools', 'demo', 'model-index.yml')


def resource_root() -> Path:
    """The folder that holds ``configs/``, ``tools/``, ``demo/`` and
    ``model-index.yml``.

    Returns:
        Path: ``mmshuffle/.mim`` in an installed wheel, else the checkout's
        root.
    """
    shipped = PACKAGE / '.mim'
    if (shipped / 'model-index.yml').exists():
        return shipped
    return PACKAGE.parent
