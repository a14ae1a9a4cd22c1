"""Install what mmshuffle's tests and tools need, and nothing that is there.

Run by ``make test`` inside the project's virtual environment. Each pinned
requirement is checked against what is installed; only missing or
mismatched ones go to one ``pip install``. A full mmcv (with compiled ops)
that is already importable is kept: mmcv-lite would overwrite its files.
A second run installs nothing.
"""
import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]

# torch and torchvision first: pip takes these builds from the local disk.
PINNED = {
    'torch': '2.14.1',
    'torchvision': '0.29.1',
    'mmengine': '0.10.7',
    'mmpretrain': '1.2.0',
}
UNPINNED = ('pytest', 'scikit-learn', 'onnx', 'onnxscript', 'onnxruntime')
MMCV_LITE = ('mmcv-lite', '2.1.0')


def installed_version(name: str) -> str:
    """Return the installed version of a distribution, or '' if none."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ''


def has_full_mmcv() -> bool:
    """Tell whether an mmcv with compiled ops is importable."""
    return importlib.util.find_spec('mmcv') is not None and (
        subprocess.run([sys.executable, '-c', 'import mmcv._ext'],
                       capture_output=True).returncode == 0)


def missing_requirements() -> List[str]:
    """List the pip requirement strings that are not satisfied."""
    missing = [
        f'{name}=={version}' for name, version in PINNED.items()
        if installed_version(name) != version
    ]
    missing += [name for name in UNPINNED if not installed_version(name)]
    name, version = MMCV_LITE
    if installed_version(name) != version and not has_full_mmcv():
        missing.append(f'{name}=={version}')
    return missing


def main() -> int:
    """Install what is missing, then mmshuffle itself in editable mode."""
    pip = [sys.executable, '-m', 'pip', 'install', '--quiet']
    missing = missing_requirements()
    if missing:
        print('Installing:', ' '.join(missing), flush=True)
        subprocess.run(pip + missing, check=True)
    if not installed_version('mmshuffle'):
        print('Installing mmshuffle (editable)', flush=True)
        subprocess.run(
            pip + ['--no-deps', '--no-build-isolation', '-e', str(ROOT)],
            check=True)
    if not missing:
        print('All requirements already installed.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
