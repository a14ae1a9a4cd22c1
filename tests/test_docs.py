"""The README and docs/ point at what exists: every file of the repository
they name, every page they link, and every flag of every tool command they
show."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / 'README.md', *sorted((ROOT / 'docs').glob('*.md'))]
# A repository path: starts a word (not inside another path, such as
# ~/.cache/mmshuffle/...), under one of the project's folders.
REPO_PATH = re.compile(
    r'(?<![\w./~-])((?:tools|configs|tests|mmshuffle|docs)/[\w./*{},-]+)')
# A tool command: `python tools/....py` and what follows on its line and
# on its indented continuation lines.
TOOL_COMMAND = re.compile(r'(?:python|bash) (tools/[\w/]+\.(?:py|sh))'
                          r'([^\n]*(?:\n[ \t]+[^\n]*)*)')
FLAG = re.compile(r'(?<![\w-])(--[a-z][a-z0-9-]*)')
# Where the tools define the flags they share.
SHARED_ARGS = [ROOT / 'mmshuffle' / 'cli' / 'tool_support.py',
               ROOT / 'mmshuffle' / 'cli' / 'cfg_options.py',
               ROOT / 'mmshuffle' / 'cli' / 'demo_runner.py']


def code_blocks(text: str) -> str:
    """The text of the fenced code blocks of a Markdown page."""
    return '\n'.join(re.findall(r'```[a-z]*\n(.*?)```', text, re.S))


def expand(path: str):
    """The paths a written path stands for: braces expanded, globs
    matched."""
    match = re.search(r'\{([^}]*)\}', path)
    if match:
        for choice in match.group(1).split(','):
            yield from expand(path[:match.start()] + choice +
                              path[match.end():])
        return
    yield path


@pytest.mark.parametrize('page', PAGES, ids=lambda page: page.name)
def test_every_named_file_exists(page):
    text = page.read_text()
    missing = []
    for written in set(REPO_PATH.findall(text)):
        written = written.rstrip('.,')
        for path in expand(written):
            if not (list(ROOT.glob(path)) if '*' in path else
                    (ROOT / path).exists()):
                missing.append(path)
    assert not missing, f'{page.name} names files that do not exist'


@pytest.mark.parametrize('page', PAGES, ids=lambda page: page.name)
def test_every_link_resolves(page):
    links = re.findall(r'\]\(([^)#\s]+)(?:#[^)]*)?\)', page.read_text())
    local = [link for link in links if not re.match(r'[a-z]+://', link)]
    missing = [link for link in local
               if not (page.parent / link).exists()]
    assert not missing, f'{page.name} links to pages that do not exist'


@pytest.mark.parametrize('page', PAGES, ids=lambda page: page.name)
def test_every_flag_shown_is_a_flag_of_its_tool(page):
    shared = ''.join(path.read_text() for path in SHARED_ARGS)
    unknown = []
    for tool, rest in TOOL_COMMAND.findall(code_blocks(page.read_text())):
        source = (ROOT / tool).read_text()
        defined = source if tool.endswith('.sh') else source + shared
        for flag in FLAG.findall(rest.split('#')[0]):
            if f"'{flag}'" not in defined and f'"{flag}"' not in defined \
                    and not tool.endswith('.sh'):
                unknown.append(f'{tool} {flag}')
    assert not unknown, f'{page.name} shows flags its tools do not have'


def test_the_readme_is_a_front_door():
    assert len((ROOT / 'README.md').read_text().splitlines()) <= 300
