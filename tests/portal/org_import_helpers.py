"""The employee import through its pages: upload (a preview), then the preview's confirming POST."""
from __future__ import annotations

import io
import re

from tests.conftest import post_form

URL = "/organisasi/pegawai/impor"
APPLY_URL = "/organisasi/pegawai/impor/terapkan"
_HIDDEN = re.compile(r'<input id="(sha256|digest|csrf_token)" name="\1" type="hidden" value="([^"]*)">')


def preview_upload(client, data: bytes, name: str = "p.csv"):
    return post_form(client, URL, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def confirm_fields(response) -> dict[str, str]:
    fields = dict(_HIDDEN.findall(response.get_data(as_text=True)))
    assert {"sha256", "digest", "csrf_token"} <= set(fields), response.get_data(as_text=True)[:3000]
    return fields


def apply(client, preview_response):
    return client.post(APPLY_URL, data=confirm_fields(preview_response))


def import_via_pages(client, data: bytes, name: str = "p.csv"):
    """Upload, check the preview came back, confirm it; the confirming POST's response."""
    preview = preview_upload(client, data, name)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    return apply(client, preview)
