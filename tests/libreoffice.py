"""Recalculating a workbook with a real spreadsheet engine: LibreOffice Calc, headless.

`recalculated(files)` converts XLSX files with `soffice --headless --convert-to xlsx` in a
throwaway user profile whose settings make Calc recalculate every formula on load (the default
for Excel files is to trust the values stored in the file, and openpyxl stores none), and
returns the workbooks as openpyxl reads the values Calc wrote. Calc writes each value to 15
significant digits, as it shows them.

Without `soffice` the tests that need it skip loudly, or fail when CERMIN_REQUIRE_LIBREOFFICE=1
(set by `.ci/run`) or CERMIN_REQUIRE_BROWSER=1 asks for the whole suite.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: Recalculate on load: always (0), for files from Excel (OOXML) and from Calc (ODF).
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
#: A conversion takes a few seconds; a machine under load may take much longer.
TIMEOUT_SECONDS = 600


def soffice() -> str:
    """The soffice program, or a skip (a failure when LibreOffice is required)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    reason = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
    if os.environ.get("CERMIN_REQUIRE_LIBREOFFICE") == "1" or os.environ.get("CERMIN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LibreOffice is required (CERMIN_REQUIRE_LIBREOFFICE=1) but unavailable: {reason}")
    pytest.skip(f"!!! LibreOffice recalculation SKIPPED: {reason} !!!")


def recalculated(files: dict[str, bytes], workdir: Path) -> dict:
    """{name: openpyxl workbook of the values LibreOffice computed} for {name: XLSX bytes}."""
    from openpyxl import load_workbook

    program = soffice()
    profile = workdir / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(PROFILE, encoding="utf-8")
    source, target = workdir / "in", workdir / "out"
    source.mkdir(exist_ok=True)
    target.mkdir(exist_ok=True)
    paths = []
    for name, data in files.items():
        path = source / f"{name}.xlsx"
        path.write_bytes(data)
        paths.append(str(path))
    completed = subprocess.run(
        [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx", "--outdir", str(target), *paths],
        capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    result = {}
    for name in files:
        converted = target / f"{name}.xlsx"
        assert converted.exists(), f"LibreOffice did not convert {name}: {completed.stdout}{completed.stderr}"
        result[name] = load_workbook(io.BytesIO(converted.read_bytes()), data_only=True)
    return result
