"""Every accepted image can be labelled in Chromium (case tiff-blank-in-labeler): TIFF and 16-bit pictures are
drawn from their PNG rendition; a picture the browser cannot show is never an empty canvas with "All changes
saved"."""
from __future__ import annotations

import pytest

from tests.conftest import SAMPLES_DIR, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TIFF = SAMPLES_DIR / "cases" / "tiff-blank-in-labeler"


def _open(page, dataset_id, image_id):
    page.goto(f"{page.base}/datasets/{dataset_id}/label/{image_id}/")
    page.wait_for_function("window.__labelerReady === true")


def test_tiffs_are_shown_and_a_missing_picture_is_said_so(browser_page, api, dataset):
    page = browser_page
    created = upload(api, dataset["id"], [(n, (TIFF / n).read_bytes()) for n in ("rgb8.tif", "gray16_ramp.tif")])
    images = {i["original_name"]: i for i in created.json()["created"]}
    for image in images.values():
        _open(page, dataset["id"], image["id"])
        assert page.is_hidden("#image-error")
        size = page.evaluate("""async (url) => { const i = new Image(); i.src = url; await i.decode();
                                                 return [i.naturalWidth, i.naturalHeight]; }""", image["display_url"])
        assert size == [128, 96]
        assert page.inner_text("#save-status") == "All changes saved"
    # The ramp is drawn dark to bright, not white: sample the picture the page draws.
    ramp = page.evaluate("""async (url) => { const i = new Image(); i.src = url; await i.decode();
        const c = document.createElement('canvas'); c.width = 128; c.height = 96; const g = c.getContext('2d');
        g.drawImage(i, 0, 0); const d = g.getImageData(0, 48, 128, 1).data; return [d[0], d[4 * 127]]; }""",
                         images["gray16_ramp.tif"]["display_url"])
    assert ramp[0] < 10 and ramp[1] > 245

    # A 16-bit PNG gets a rendition too. When its stored rendition goes missing, the picture cannot be shown:
    # the page covers it and says so.
    import io

    import numpy as np
    from PIL import Image as PILImage

    from config import storage
    from datasets.models import Image

    buf = io.BytesIO()
    PILImage.fromarray(np.tile(np.arange(0, 65536, 512, dtype=np.uint16), (40, 1))).save(buf, "PNG")
    png16 = upload(api, dataset["id"], [("deep.png", buf.getvalue())]).json()["created"][0]
    stored = Image.objects.get(pk=png16["id"])
    assert stored.rendition.name
    storage.delete(stored.rendition.name)
    _open(page, dataset["id"], png16["id"])
    assert page.is_visible("#image-error")
    assert "cannot display" in page.inner_text("#image-error")
    assert page.inner_text("#save-status") != "All changes saved"
    # Chromium logs the failed image request (404) as a console error: that is the point of this step.
    assert all("404" in e for e in page.errors), page.errors
