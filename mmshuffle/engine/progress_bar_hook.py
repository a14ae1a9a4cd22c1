"""A progress bar for evaluation runs."""
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

from ..registry import HOOKS


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """Show a progress bar, with speed and time left, while testing.

    MMEngine's test loop only logs every ``interval`` iterations; this draws
    one bar for the whole test set on the main process.
    """

    # Before the logger, so that its summary starts on a line of its own.
    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._bar: Optional[ProgressBar] = None

    def before_test_epoch(self, runner) -> None:
        """Start the bar.

        Args:
            runner (Runner): The runner.
        """
        if is_main_process():
            self._bar = ProgressBar(len(runner.test_dataloader))

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        """Advance the bar by one batch.

        Args:
            runner (Runner): The runner.
            batch_idx (int): The batch's index.
            data_batch: The batch. Defaults to None.
            outputs: The model's outputs. Defaults to None.
        """
        if self._bar is not None:
            self._bar.update()

    def after_test_epoch(self, runner, metrics=None) -> None:
        """End the bar's line.

        Args:
            runner (Runner): The runner.
            metrics (dict, optional): The test metrics. Defaults to None.
        """
        if self._bar is not None:
            self._bar.file.write('\n')
            self._bar = None
