"""A whole pulse round in Chinese in the terminal, on SQLite and PostgreSQL: the questions,
confirmations, status, summary, digest (with a chart drawn in Chinese), my answers, forget me,
refusals and errors all read in Chinese; and a question asked in English still gets English."""

from __future__ import annotations

from pathlib import Path

from conftest import maturitybot

ROUND = """\
pulse start
/as 小王
answer 采纳 3 -- 门户刚上线
answer 投入 第二级
answer 度量 不确定
answer 运营 9
answer 快乐 3
/as 小李
answer adoption 2
answer investment 3
/as 小张
answer 采纳 3
answer 投入 3
/as you
pulse status
pulse remind
pulse close
/as 小王
answer 采纳 1
/as you
digest
/as 小王
my answers
forget me
确认
度量的第三级是什么
what is level 3 measurement
pulse close
"""


def test_a_whole_round_in_chinese(database_url: str, tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": database_url,
        "PULSE_MIN_RESPONSES": "2",
        "MATURITYBOT_LANGUAGE": "zh",
        "LANG": "zh_CN.UTF-8",
    }
    result = maturitybot("chat", input=ROUND, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout

    # The round and its questions, from the Chinese survey.
    assert "平台成熟度脉搏调查 · 第" in out and "快速调查" in out
    assert "[2/5] 采纳：我们组织里的团队为什么用内部平台？" in out
    # Confirmations, corrections and refusals in Chinese, privately.
    assert "（仅 小王 可见）已记录你对" in out and "评论已保存" in out
    assert "级别只能是 1 到 4，没有 9" in out  # "answer 运营 9" is refused
    assert "'快乐' 不是本轮调查里的题目" in out
    # Status and the summary: figures with Chinese labels, and the comment without a name.
    assert "4 人中已有 3 人作答" in out
    assert "采纳：中位数 3，平均值 2.67（3 份回答；L1:0 L2:1 L3:2 L4:0）" in out
    assert "投入：中位数 3，平均值 2.67" in out
    assert "度量：回答数不足（1 份回答，均未选择级别" in out
    assert "采纳：门户刚上线" in out and "小王：门户刚上线" not in out
    # After close an answer is refused politely.
    assert "谢谢！这轮脉搏调查已于" in out and "你的回答没有被记录" in out
    # The digest and its chart.
    chart = next(line for line in out.splitlines() if line.startswith("图表："))
    assert (tmp_path / chart.removeprefix("图表：")).read_bytes().startswith(b"\x89PNG")
    # Reminders go out in the round's language.
    assert "（私信给 小张）提醒：平台成熟度脉搏调查（#terminal）将于" in out
    # My answers, forget me, confirmed with 确认.
    assert "（仅 小王 可见）你的回答（仅你可见）：" in out
    assert "采纳 → 第 3 级（评论：“门户刚上线”）" in out
    assert "完成：已删除你的 3 条回答" in out
    # A question is answered in its own language.
    assert "度量 · 第 3 级（可扩展）——洞察" in out
    assert "Measurement · Level 3 Scalable — Insights" in out
    # Nothing in English where a Chinese reader reads.
    for english in ("Recorded:", "Participation:", "not enough responses", "Results:"):
        assert english not in out
