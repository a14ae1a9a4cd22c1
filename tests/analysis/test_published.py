from mmshuffle.analysis import VARIANTS
from mmshuffle.analysis.published import published_top1


def test_each_family_headline_has_mmpretrain_s_top1():
    top1 = published_top1()
    assert top1['shufflenet-v2-1x'] == (69.55, 'shufflenet-v2-1x_16xb64_in1k')
    assert top1['mobilenet-v2-1x'] == (71.86, 'mobilenet-v2_8xb32_in1k')
    assert top1['shufflenet-v1-1x-g3'] == (68.13,
                                          'shufflenet-v1-1x_16xb64_in1k')


def test_other_widths_take_torchvision_s_or_the_papers():
    top1 = published_top1()
    assert top1['shufflenet-v2-0.5x'][1] == (
        'shufflenet-v2-0.5x_torchvision_in1k')
    assert top1['mobilenet-v2-1.4x'][1] == 'mobilenet-v2-1.4x_paper_in1k'
    assert set(top1) <= {variant.name for variant in VARIANTS}
