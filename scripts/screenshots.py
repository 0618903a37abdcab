"""Screenshots for the role guides (docs/guide-*.md): `make screenshots`, never `make test`.

Builds the demo into a fresh SQLite database in a temporary folder (the tests' demo moment, so the
pictures do not change with the day they are taken), serves it on a free loopback port, logs in as
each role in headless Chromium, and saves each role's home and main pages at 360 px and 1280 px
wide into docs/screenshots/<role>-<page>-<width>.png (the viewport, not the full page, to keep them
small).
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CERMIN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
#: The demo as it stood then (tests/conftest.py's DEMO_MOMENT).
MOMENT = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Makassar"))
WIDTHS = {360: 740, 1280: 800}
#: Per demo login: (name in the file, path) of the pages shown; "home" first.
FLOWS = {
    "hr": [("home", "/"), ("ulasan-360", "/360/"), ("penilaian", "/penilaian/"), ("pegawai-impor", "/organisasi/pegawai/impor"),
           ("integritas", "/integritas/")],
    "atasan": [("home", "/"), ("dasbor-unit", "/dasbor/unit/DUKCAPIL"), ("petugas", "/dasbor/petugas"), ("penilaian-tim", "/penilaian/tim"),
               ("tindak-lanjut", "/tindak-lanjut/")],
    "pegawai": [("home", "/"), ("ulasan-saya", "/ulasan-saya"), ("penilaian-saya", "/penilaian/saya")],
    "admin": [("home", "/"), ("organisasi", "/organisasi/"), ("dasbor", "/dasbor/")],
    #: A citizen, without logging in: the form at the IGD loket (always an officer on duty) and the results.
    "warga": [("formulir", "/s/PKM02"), ("publik", "/publik")],
}
#: Pages taken whole (their charts are below the first screen), not just the viewport.
FULL_PAGE = {"dasbor-unit"}
#: The pages nobody logs in to.
PUBLIC = "warga"


def build_app(folder: Path):
    os.environ.setdefault("CERMIN_INSTANCE_PATH", str(folder / "instance"))
    from flask_migrate import upgrade

    from portal import clock, create_app
    from portal.demo.seed import seed_demo
    from portal.extensions import db

    app = create_app({"SECRET_KEY": "screenshots", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite'}",
                      "CERMIN_LOGIN_LIMIT": "1000 per minute"})
    with app.app_context():
        upgrade()
        with clock.frozen(MOMENT):
            seed_demo(MOMENT.date(), feedback=True)
            db.session.commit()
    return app


def main() -> int:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from portal import clock
    from portal.demo.seed import DEMO_PASSWORD

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, clock.ticking(MOMENT):
        print("Membangun demo …", flush=True)
        app = build_app(Path(tmp))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        app.config["CERMIN_BASE_URL"] = base
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
        saved = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS, env=env)
            for username, pages in FLOWS.items():
                for width, height in WIDTHS.items():
                    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID",
                                                  is_mobile=width < 600, has_touch=width < 600)
                    page = context.new_page()
                    if username != PUBLIC:
                        page.goto(f"{base}/masuk")
                        page.get_by_label("NIP atau nama pengguna").fill(username)
                        page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
                        page.get_by_role("button", name="Masuk").click()
                        page.wait_for_load_state()
                    for name, path in pages:
                        response = page.goto(base + path)
                        if response is None or response.status != 200:
                            print(f"!! {username} {path}: {response.status if response else 'no answer'}")
                            continue
                        target = OUT / f"{username}-{name}-{width}.png"
                        page.screenshot(path=str(target), full_page=name in FULL_PAGE)
                        saved.append(target)
                    context.close()
            browser.close()
        server.shutdown()
    total = sum(p.stat().st_size for p in saved)
    print(f"{len(saved)} gambar di {OUT.relative_to(ROOT)} ({total / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
