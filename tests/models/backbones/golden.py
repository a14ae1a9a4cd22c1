"""Golden outputs: a fingerprint of every variant under a fixed seed.

Run ``python -m tests.models.backbones.golden`` to rewrite
``tests/data/golden_outputs.json`` after an intended change of numbers.
"""
import json
from pathlib import Path
from typing import Dict, List

import torch

from mmshuffle.models.variants import VARIANTS, Variant
from mmshuffle.registry import MODELS

GOLDEN_FILE = Path(__file__).resolve().parents[2] / 'data' / \
    'golden_outputs.json'


def fingerprint(variant: Variant) -> Dict[str, List[float]]:
    """Build and initialise a variant under seed 0 and summarise its output.

    Args:
        variant (Variant): The variant.

    Returns:
        dict: The output's shape, mean, mean absolute value, and its first
        eight values.
    """
    torch.manual_seed(0)
    model = MODELS.build(variant.cfg)
    model.init_weights()
    model.eval()
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = model(x)[-1]
    return dict(
        shape=list(out.shape),
        mean=out.mean().item(),
        abs_mean=out.abs().mean().item(),
        head=out.flatten()[:8].tolist())


def main() -> None:
    """Write the golden file."""
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine').setLevel('WARNING')
    golden = {variant.name: fingerprint(variant) for variant in VARIANTS}
    GOLDEN_FILE.write_text(json.dumps(golden, indent=1) + '\n')
    print(f'wrote {len(golden)} fingerprints to {GOLDEN_FILE}')


if __name__ == '__main__':
    main()
