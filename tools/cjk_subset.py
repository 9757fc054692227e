"""Makes bot/fonts/chart-sans-sc.otf: the subset of Noto Sans CJK SC that the digest chart
draws Chinese with where the system has no CJK font.

Run it by hand with the full font at hand (Debian's fonts-noto-cjk has the collection):

    python tools/cjk_subset.py NotoSansCJK-Regular.ttc

The subset keeps printable ASCII, GB2312's punctuation and full-width rows, the 3,755
characters of GB2312 level 1 (the common hanzi), and every character of the chart's Chinese
strings that level 1 lacks. The family is renamed, as the SIL OFL 1.1 advises for a modified
version, so it can never be mistaken for (or shadow) an installed Noto Sans CJK SC.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

FAMILY = "Chart Sans SC"
OUTPUT = Path(__file__).resolve().parent.parent / "bot" / "fonts" / "chart-sans-sc.otf"
SOURCE_FACE = "Noto Sans CJK SC"
# Strings the chart will draw in Chinese, whatever GB2312 level 1 lacks of them.
CHART_STRINGS = (
    "投入 采纳 接口 运营 度量 平均等级 各方面 最近一轮 上一轮 趋势 最近 轮 级 第 次 "
    "低于回复门槛的方面不显示 各方面的平均等级 最近几轮的趋势 月 日 周一二三四五六日 年 "
    "临时 可操作 可扩展 优化 阶段 回复 人数 问卷 调查 脉搏 变化 中位数"
)


def gb2312_rows(first: int, last: int) -> str:
    """The characters of GB2312 rows ``first``..``last`` (row 16 is the first hanzi row)."""
    found = []
    for row in range(first, last + 1):
        for cell in range(1, 95):
            try:
                found.append(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # an unassigned cell
    return "".join(found)


def characters() -> str:
    ascii_printable = "".join(chr(code) for code in range(0x20, 0x7F))
    punctuation = gb2312_rows(1, 1) + gb2312_rows(3, 3)
    level_one = gb2312_rows(16, 55)
    wanted = set(ascii_printable + punctuation + level_one + CHART_STRINGS) - {" "}
    return "".join(sorted(wanted | {" "}))


def source_face(path: Path) -> TTFont:
    if path.suffix.lower() == ".ttc":
        for face in TTCollection(path).fonts:
            if face["name"].getDebugName(1) == SOURCE_FACE:
                return face
        raise SystemExit(f"{path} has no {SOURCE_FACE} face")
    return TTFont(path)


def rename(font: TTFont) -> None:
    names = font["name"]
    version = names.getDebugName(5) or ""
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 21, 22):
            names.removeNames(nameID=record.nameID)
    names.setName(FAMILY, 1, 3, 1, 0x409)
    names.setName("Regular", 2, 3, 1, 0x409)
    names.setName(f"{FAMILY} Regular; {version}", 3, 3, 1, 0x409)
    names.setName(FAMILY, 4, 3, 1, 0x409)
    names.setName(FAMILY.replace(" ", "") + "-Regular", 6, 3, 1, 0x409)
    description = f"Subset of {SOURCE_FACE} {version} for maturity-bot's chart."
    names.setName(description, 10, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [FAMILY.replace(" ", "") + "-Regular"]
    top = cff.topDictIndex[0]
    top.FamilyName = FAMILY
    top.FullName = FAMILY
    if hasattr(top, "FDArray"):
        for private_dict in top.FDArray:
            if hasattr(private_dict, "FontName"):
                private_dict.FontName = (
                    cff.fontNames[0] + "-" + private_dict.FontName.split("-")[-1]
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source", type=Path, help="NotoSansCJK-Regular.ttc or NotoSansCJKsc-Regular.otf"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    font = source_face(args.source)
    options = subset.Options()
    options.layout_features = ["kern", "palt", "vert"]  # matplotlib lays out without GSUB
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]  # horizontal text only
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 10, 13, 14]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    rename(font)
    font.save(args.output)
    print(f"{args.output}: {args.output.stat().st_size} bytes, {len(characters())} characters")


if __name__ == "__main__":
    main()
