from django.utils import translation

from salescore.core.i18n import join_clauses, join_items


def test_lists_are_joined_the_way_each_language_writes_them():
    with translation.override("zh-hans"):
        assert join_items(["高精度", "节能"]) == "高精度、节能"
        assert join_clauses(["已记录需求分析", "已设置金额"]) == "已记录需求分析；已设置金额"
    with translation.override("en"):
        assert join_items(["a", "b"]) == "a, b"
        assert join_clauses(["x", "y"]) == "x; y"
