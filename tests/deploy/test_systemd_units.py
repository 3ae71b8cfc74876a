"""The example systemd units in deploy/ are valid units that start the production path's three processes."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"


def test_each_process_has_a_unit_calling_the_start_script_without_reloader():
    # given the units, then web, worker and scheduler each run deploy/huifang-start after the setup unit
    for kind in ("web", "worker", "scheduler"):
        text = (UNITS / f"huifang-{kind}.service").read_text()
        assert f"ExecStart=/opt/huifang/deploy/huifang-start {kind}\n" in text
        assert "Requires=huifang-setup.service" in text
    assert "ExecStart=/opt/huifang/deploy/huifang-start setup" in (UNITS / "huifang-setup.service").read_text()
    script = (ROOT / "deploy" / "huifang-start").read_text()
    assert "db_worker --queue-name '*' --interval 1 --no-reload" in script
    assert "runserver" not in script


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    # given the units with this checkout's paths
    env = tmp_path / "huifang.env"
    env.write_text("DJANGO_DEBUG=0\n")
    names = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text().replace("/opt/huifang", str(ROOT)).replace("/etc/huifang/huifang.env", str(env))
        text = text.replace("User=huifang", "User=root").replace("Group=huifang", "Group=root")
        (tmp_path / unit.name).write_text(text)
        names.append(f"./{unit.name}")
    # when systemd checks them
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"SYSTEMD_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    # then it finds nothing
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
