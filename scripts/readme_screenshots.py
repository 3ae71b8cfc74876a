"""Take the README's screenshots of the demo with Playwright (headless Debian chromium) into docs/img/.

    python scripts/readme_screenshots.py [--customers 300]

Builds a throw-away demo database under a temporary HUIFANG_VAR_DIR, serves it with gunicorn and shoots a few
pages at 1280x800 as small PNGs (< 200 KB each).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
PAGES = [
    ("login", None, "/login/"),
    ("dashboard", "director", "/"),
    ("workbench", "advisor", "/workbench/"),
    ("complaints", "svcmanager", "/complaints/"),
    ("store-setup", "admin", "/accounts/stores/"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="huifang-shots-")
    env = {**os.environ, "HUIFANG_VAR_DIR": var, "HUIFANG_DEMO": "1", "DATABASE_URL": f"sqlite:///{var}/demo.sqlite3"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "prepare_demo", "--customers", str(args.customers)], cwd=ROOT, env=env, check=True
    )
    web = subprocess.Popen(
        [python, "-m", "gunicorn", "huifang.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", "2"], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(base + "/login/", timeout=5)  # noqa: S310 - our own local server
                break
            except OSError:
                time.sleep(1)
        from playwright.sync_api import sync_playwright

        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            for name, user, path in PAGES:
                context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
                page = context.new_page()
                if user:
                    page.goto(base + "/login/")
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", env.get("HUIFANG_DEMO_PASSWORD", "huifang-demo-2026"))
                    page.click("button[type=submit]")
                    page.wait_for_url(lambda url: "/login/" not in url)
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                target = OUT / f"{name}.png"
                page.screenshot(path=str(target))
                print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")
                context.close()
            browser.close()
    finally:
        web.terminate()
        web.wait(timeout=30)


if __name__ == "__main__":
    main()
