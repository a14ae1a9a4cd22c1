"""The wheel ships the configs, the tools, the demo and the model index in
``mmshuffle/.mim`` (as mmpretrain's wheel does), so that an install that
never saw the repository has the model zoo and the ``mmshuffle`` command's
tools. Everything else is in pyproject.toml."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# mmshuffle.resources.SHIPPED, read without importing the package.
SHIPPED = ('configs', 'tools', 'demo', 'model-index.yml')


class BuildPyWithResources(build_py):
    """build_py, then a copy of :data:`SHIPPED` into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return  # an editable install reads them from the checkout
        target = Path(self.build_lib) / 'mmshuffle' / '.mim'
        for name in SHIPPED:
            source, copy = ROOT / name, target / name
            if source.is_dir():
                shutil.copytree(source, copy, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(
                                    '__pycache__', '*.pyc'))
            else:
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)


setup(cmdclass={'build_py': BuildPyWithResources})
