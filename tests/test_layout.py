"""The package's folders keep the floors docs/layout.md gives them: every
import of one folder by another goes down, never up or sideways."""
import ast
import re
from pathlib import Path
from typing import Dict, Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / 'mmshuffle'


def documented_floors() -> Dict[str, Optional[int]]:
    """The folders and files of docs/layout.md's table, by floor (None for
    a room that imports nothing of ours)."""
    rows = re.findall(r'^\| (\d+|-) \| `mmshuffle/([\w.]+)/?` \|',
                      (ROOT / 'docs' / 'layout.md').read_text(), re.M)
    return {room: None if floor == '-' else int(floor)
            for floor, room in rows}


def room_of(module: str) -> str:
    """``mmshuffle.deploy.optimize`` -> ``deploy``; ``mmshuffle.errors`` ->
    ``errors.py``."""
    first = module.split('.')[1]
    return first if (PACKAGE / first).is_dir() else f'{first}.py'


def imported_modules(path: Path) -> Iterator[str]:
    """The mmshuffle modules a file imports, at any depth of the file."""
    package = '.'.join(path.relative_to(ROOT).with_suffix('').parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[:len(package.split('.')) -
                                        node.level + 1]
                module = '.'.join(base + ([node.module] if node.module
                                          else []))
            else:
                module = node.module or ''
            names = [module] if node.module else [
                f'{module}.{alias.name}' for alias in node.names]
            yield from (name for name in names
                        if name.startswith('mmshuffle.'))
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names
                        if alias.name.startswith('mmshuffle.'))


def test_the_table_names_every_room():
    rooms = {path.name if path.is_file() else path.name
             for path in PACKAGE.iterdir()
             if (path.is_dir() and (path / '__init__.py').exists())
             or (path.suffix == '.py' and path.name != '__init__.py')}
    assert set(documented_floors()) == rooms


def test_every_import_goes_down_a_floor():
    floors = documented_floors()
    wrong = []
    for path in PACKAGE.rglob('*.py'):
        if path.parent == PACKAGE:
            continue  # the package's face hands names on
        room = room_of('.'.join(path.relative_to(ROOT).parts))
        for module in imported_modules(path):
            target = room_of(module)
            if target == room:
                continue
            if floors[room] is None or floors[target] is None or \
                    floors[target] >= floors[room]:
                wrong.append(f'{path.relative_to(ROOT)} imports {module}')
    assert not wrong
