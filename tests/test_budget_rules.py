"""The pure rules of budget preparation (yusuan.budgeting.rules), figure by figure."""

from __future__ import annotations

from yusuan.budgeting import rules

E = rules.EXPENDITURE


def _line(position: int, code: str, fen: int, **kw: object) -> rules.LineFacts:
    return rules.LineFacts(position=position, side=E, amount_fen=fen, dep_bgt_eco_code=code, **kw)  # type: ignore[arg-type]


def test_r_bp_4_other_within_its_class_at_most_30_percent() -> None:
    at_limit = [_line(1, "30201", 70_000), _line(2, "30299", 30_000)]
    assert rules.other_share_findings(at_limit) == []
    over = [_line(1, "30201", 69_999), _line(2, "30299", 30_001), _line(3, "30101", 1_000_000)]
    (finding,) = rules.other_share_findings(over)
    assert finding.rule == "R-BP-4"
    assert finding.message_zh == "经济分类 302 中“其他”（30299）300.01 元占 30.0%，超过 30%"


def test_r_bp_1_a_fund_and_part_without_a_control_number_has_none() -> None:
    sums = rules.controlled_sums(
        [
            _line(1, "30201", 500, fund_type_code="111", part="basic"),
            _line(2, "31002", 700, fund_type_code="211", part="project"),
            _line(3, "31002", 900, fund_type_code="111", part="project", carry_over=True),
            _line(4, "30201", 900, fund_type_code="511", part="project"),
        ]
    )
    assert sums == {("111", "basic"): 500, ("211", "project"): 700}
    (error,) = rules.control_errors("教育局", sums, {("111", "basic"): 500})
    assert (error.field, error.value, error.limit) == ("control.211.project", "7.00", "0.00")


def test_r_bp_12_only_a_detailed_line_is_executable() -> None:
    detailed = _line(1, "30201", 1, fund_type_code="111", project_id=5, exp_func_code="2050203")
    assert rules.executable(detailed)
    assert not rules.executable(
        _line(1, "", 1, fund_type_code="111", project_id=5, exp_func_code="2050203")
    )
    assert not rules.executable(
        _line(1, "30201", 1, fund_type_code="111", project_id=None, exp_func_code="2050203")
    )
    assert not rules.executable(
        _line(1, "30201", 1, fund_type_code="111", project_id=5, exp_func_code="205")
    )
