"""Install what mmshuffle's tests and tools need, and nothing that is there.

Run by ``make test`` inside the project's virtual environment:

1. torch and torchvision (pip takes them from the local disk);
2. every other pinned or needed package that is missing, in one
   ``pip install`` (none of them depends on mmcv);
3. full mmcv with compiled ops, which MMDetection needs: a full mmcv that is
   already importable is kept; otherwise ``tools/setup/build_mmcv.sh``
   builds mmcv 2.1.0 for this torch once and caches the wheel outside the
   checkout, and it replaces mmcv-lite (the two install the same package);
4. mmshuffle itself, editable.

A second run installs nothing.
"""
import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[2]

TORCH = {'torch': '2.14.1', 'torchvision': '0.29.1'}
PINNED = {
    'mmengine': '0.10.7',
    'mmpretrain': '1.2.0',
    'mmdet': '3.3.0',
    # The linter `make test` runs first: a pin, so that a new release's
    # rules cannot fail a clean clone.
    'ruff': '0.17.6',
}
UNPINNED = ('pytest', 'pytest-xdist', 'scikit-learn', 'onnx', 'onnxscript',
            'onnxruntime', 'openvino', 'nncf', 'ncnn', 'pnnx')
# Installed without their dependencies: grad-cam (pytorch-grad-cam, for
# tools/visualization/vis_cam.py) asks for opencv-python-headless, a second
# copy of the cv2 that mmcv's opencv-python already provides; ttach is the
# one dependency of it not otherwise installed.
WITHOUT_DEPS = {'grad-cam': '1.5.7', 'ttach': '0.0.3'}


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


def missing(requirements: Dict[str, str]) -> List[str]:
    """List the ``name==version`` pins that are not installed as pinned."""
    return [
        f'{name}=={version}' for name, version in requirements.items()
        if installed_version(name) != version
    ]


def install_full_mmcv(pip: List[str]) -> None:
    """Build (or take from the cache) and install full mmcv for this torch.

    Args:
        pip (list[str]): The ``pip install`` command line.
    """
    print('Installing full mmcv (the first time, building it takes 15-25 '
          'minutes on 2 cores)', flush=True)
    built = subprocess.run(
        ['bash', str(ROOT / 'tools' / 'setup' / 'build_mmcv.sh'),
         sys.executable],
        check=True, stdout=subprocess.PIPE, text=True)
    wheel = built.stdout.strip().splitlines()[-1]
    if installed_version('mmcv-lite'):
        subprocess.run(
            [sys.executable, '-m', 'pip', 'uninstall', '--yes', 'mmcv-lite'],
            check=True)
    subprocess.run(pip + ['--no-deps', wheel], check=True)
    if not has_full_mmcv():
        raise RuntimeError(f'{wheel} installed, but mmcv._ext does not '
                           'import')


def install(pip: List[str], requirements: List[str]) -> bool:
    """``pip install`` the requirements, if any; tell whether it did."""
    if requirements:
        print('Installing:', ' '.join(requirements), flush=True)
        subprocess.run(pip + requirements, check=True)
    return bool(requirements)


def main() -> int:
    """Install what is missing, then mmshuffle itself in editable mode."""
    pip = [sys.executable, '-m', 'pip', 'install', '--quiet']
    installed_any = install(pip, missing(TORCH))
    installed_any |= install(
        pip, missing(PINNED) +
        [name for name in UNPINNED if not installed_version(name)])
    installed_any |= install(pip, ['--no-deps'] + missing(WITHOUT_DEPS)
                             if missing(WITHOUT_DEPS) else [])
    if not has_full_mmcv():  # after mmengine, which brings mmcv's needs
        install_full_mmcv(pip)
        installed_any = True
    if not installed_version('mmshuffle'):
        installed_any |= install(
            pip, ['--no-deps', '--no-build-isolation', '-e', str(ROOT)])
    if not installed_any:
        print('All requirements already installed.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
