from mmshuffle.analysis.published import published_top1
from mmshuffle.models.variants import VARIANTS


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
    # ShuffleNet V1 at g=3: Tables 2 and 5 of the paper (100 - error).
    assert top1['shufflenet-v1-0.5x-g3'] == (56.8,
                                            'shufflenet-v1-0.5x_paper_in1k')
    assert top1['shufflenet-v1-2x-g3'] == (73.7,
                                          'shufflenet-v1-2x_paper_in1k')
    # The configs are g=3: no other group has a zoo entry.
    assert 'shufflenet-v1-0.5x-g8' not in top1
    assert set(top1) <= {variant.name for variant in VARIANTS}
