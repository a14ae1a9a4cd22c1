import json

from .tiny_digits import run_tool, run_tool_here


def write_scalars(path):
    lines = [dict(loss=2.0 - i / 10, lr=0.1, epoch=1, iter=i, step=i)
             for i in range(1, 6)]
    lines += [{'accuracy/top1': 50.0 + e, 'step': e} for e in (1, 2)]
    path.write_text('\n'.join(json.dumps(line) for line in lines) + '\n')


def test_plot_curve_writes_a_png(tmp_path):
    scalars = tmp_path / 'scalars.json'
    write_scalars(scalars)
    out = tmp_path / 'plots' / 'curves.png'
    result = run_tool([
        'tools/analysis_tools/analyze_logs.py', 'plot_curve',
        str(scalars), '--out',
        str(out)
    ])
    assert f'curves written to {out}' in result.stdout
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_missing_key_is_named(tmp_path):
    scalars = tmp_path / 'scalars.json'
    write_scalars(scalars)
    result = run_tool_here([
        'tools/analysis_tools/analyze_logs.py', 'plot_curve',
        str(scalars), '--keys', 'loss', 'accuracy/top5'
    ])
    assert result.returncode == 1
    assert "has no values for ['accuracy/top5']" in result.stderr
