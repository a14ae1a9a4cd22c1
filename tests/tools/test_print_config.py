"""tools/misc/print_config.py prints the merged config, options applied,
as Python that MMEngine reads back."""
from mmengine.config import Config

from .tiny_digits import DEMO_CONFIG, ROOT, run_tool, run_tool_here

TOOL = ROOT / 'tools' / 'misc' / 'print_config.py'


def test_the_printed_config_reads_back_with_the_options(tmp_path):
    result = run_tool([str(TOOL), str(DEMO_CONFIG), '--cfg-options',
                       'train_cfg.max_epochs=7',
                       'model.backbone.widen_factor=0.5'])
    printed = tmp_path / 'printed.py'
    printed.write_text(result.stdout)
    cfg = Config.fromfile(str(printed))
    assert cfg.train_cfg.max_epochs == 7
    assert cfg.model.backbone.widen_factor == 0.5
    # The bases are merged in: the dataset comes from _base_/datasets.
    assert cfg.train_dataloader.dataset.type == 'CustomDataset'


def test_a_missing_config_is_one_line():
    result = run_tool_here([str(TOOL), 'nowhere.py'])
    assert result.returncode == 1
    assert result.stderr.strip() == 'error: config file not found: nowhere.py'
