"""``maturitybot teams-package``: a zip Teams accepts for upload, built from settings."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib

from conftest import maturitybot

APP_ID = "6d1f0a52-3b7c-4e1a-9f0e-2a5b8c7d9e10"


def png_info(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, colour type and raw pixel rows of a PNG we wrote (one IDAT)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8 : start - 4])[0]
    return width, height, colour, zlib.decompress(data[start : start + length])


def test_the_package_holds_a_manifest_and_both_icons(tmp_path) -> None:
    output = tmp_path / "out" / "maturitybot.zip"
    result = maturitybot("teams-package", "-o", str(output), env={"MICROSOFT_APP_ID": APP_ID})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(output)

    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == [
            "color.png", "manifest.json", "outline.png", "zh-cn.json",
        ]  # fmt: skip
        manifest = json.loads(archive.read("manifest.json"))
        chinese = json.loads(archive.read("zh-cn.json"))
        colour = png_info(archive.read("color.png"))
        outline = png_info(archive.read("outline.png"))

    assert manifest["manifestVersion"] == "1.22"
    assert manifest["$schema"].endswith("/v1.22/MicrosoftTeams.schema.json")
    assert manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert all(len(c["title"]) <= 32 for c in bot["commandLists"][0]["commands"])
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert "validDomains" in manifest and manifest["accentColor"].startswith("#")
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["name"]["short"]) <= 30
    assert "CC BY 4.0" in manifest["description"]["full"]
    # A Chinese Teams client shows the app's strings in Chinese.
    assert manifest["localizationInfo"]["additionalLanguages"] == [
        {"languageTag": "zh-cn", "file": "zh-cn.json"}
    ]
    assert chinese["$schema"].endswith("/v1.22/MicrosoftTeams.Localization.schema.json")
    assert set(chinese) - {"$schema"} <= {
        "name.short", "name.full", "description.short", "description.full",
        *(f"bots[0].commandLists[0].commands[{i}].description" for i in range(20)),
    }  # fmt: skip
    assert "平台工程成熟度模型" in chinese["description.full"]
    assert len(chinese["description.short"]) <= 80

    assert colour[:3] == (192, 192, 6)
    width, height, kind, rows = outline
    assert (width, height, kind) == (32, 32, 6)
    # The outline icon: white on transparent, nothing else.
    pixels = [rows[y * (1 + 4 * width) + 1 :][: 4 * width] for y in range(height)]
    seen = {bytes(row[x : x + 4]) for row in pixels for x in range(0, 4 * width, 4)}
    assert seen == {b"\xff\xff\xff\xff", b"\0\0\0\0"}


def test_without_an_app_id_it_says_what_to_set(tmp_path) -> None:
    result = maturitybot("teams-package", "-o", str(tmp_path / "x.zip"))
    assert result.returncode == 2
    assert "MICROSOFT_APP_ID" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.zip").exists()
    wrong = maturitybot(
        "teams-package", "-o", str(tmp_path / "x.zip"), env={"MICROSOFT_APP_ID": "bot"}
    )
    assert wrong.returncode == 2 and "GUID" in wrong.stderr
