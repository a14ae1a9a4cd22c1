"""tools/dataset_converters: a wrong value or a root that is a file is one
line, and nothing is written."""
import pytest

from .tiny_digits import run_tool_here

CASES = {
    'digits fraction': (['digits.py', '{root}', '--val-fraction', '1.5'],
                        'val_fraction must be between 0 and 1, got 1.5'),
    'digits root is a file': (['digits.py', '{file}'], 'Not a directory'),
    'shapes size': (['shapes.py', '{root}', '--image-size', '10'],
                    'image_size must be an int >= 64, got 10'),
    'shapes count': (['shapes.py', '{root}', '--num-train', '0'],
                     'num_train must be an int >= 1, got 0'),
}


@pytest.mark.parametrize('case', CASES)
def test_a_bad_value_is_one_line(case, tmp_path):
    args, message = CASES[case]
    (tmp_path / 'a_file').write_text('')
    args = [arg.format(root=tmp_path / 'out', file=tmp_path / 'a_file')
            for arg in args]
    result = run_tool_here([f'tools/dataset_converters/{args[0]}', *args[1:]])
    assert result.returncode == 2
    # argparse's usage line, then the error.
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f'{args[0]}: error: ') and message in last
    assert 'Traceback' not in result.stderr
    assert not (tmp_path / 'out').exists()
