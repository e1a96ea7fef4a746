"""The labeler, template editor and dataset pages: login, owner scoping, and what they embed."""
from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import jpeg_bytes, upload


@pytest.fixture
def web(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def labelled_setup(api, dataset):
    images = upload(api, dataset["id"], [(f"p{i}.jpg", jpeg_bytes(64, 48, seed=i)) for i in range(2)]).json()["created"]
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "person", "color": "#112233"}, format="json").json()
    return dataset, images, cls


@pytest.mark.django_db
def test_pages_need_login(client, labelled_setup):
    dataset, images, cls = labelled_setup
    for url in (f"/datasets/{dataset['id']}/", f"/datasets/{dataset['id']}/label/{images[0]['id']}/",
                f"/datasets/{dataset['id']}/classes/{cls['id']}/template/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.django_db
def test_owner_sees_the_labeler_and_template_editor(web, labelled_setup):
    dataset, images, cls = labelled_setup
    page = web.get(f"/datasets/{dataset['id']}/label/{images[1]['id']}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-image="{images[1]["id"]}"' in body
    assert 'id="save-status"' in body and 'rel="icon" href="data:,"' in body
    assert "labeling/labeler_page.js" in body
    editor = web.get(f"/datasets/{dataset['id']}/classes/{cls['id']}/template/").content.decode()
    # No template image yet: the dataset's first image is the example to draw on.
    assert f'data-image="{images[0]["id"]}"' in editor
    assert 'data-width="64"' in editor and 'data-height="48"' in editor
    assert "Confirm skeleton" in editor


@pytest.mark.django_db
def test_template_editor_without_images_uses_a_blank_board(web, api, dataset):
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "cat"}, format="json").json()
    body = web.get(f"/datasets/{dataset['id']}/classes/{cls['id']}/template/").content.decode()
    assert 'data-image=""' in body and "blank board" in body


@pytest.mark.django_db
def test_other_users_get_404(other_user, labelled_setup):
    dataset, images, cls = labelled_setup
    mallory = Client()
    mallory.force_login(other_user)
    for url in (f"/datasets/{dataset['id']}/", f"/datasets/{dataset['id']}/label/{images[0]['id']}/",
                f"/datasets/{dataset['id']}/classes/{cls['id']}/template/"):
        assert mallory.get(url).status_code == 404, url


@pytest.mark.django_db
def test_ids_from_another_dataset_are_404(web, api, labelled_setup):
    dataset, images, cls = labelled_setup
    other = api.post("/api/v1/datasets/", {"name": "second"}, format="json").json()
    assert web.get(f"/datasets/{other['id']}/label/{images[0]['id']}/").status_code == 404
    assert web.get(f"/datasets/{other['id']}/classes/{cls['id']}/template/").status_code == 404


@pytest.mark.django_db
def test_dataset_page_has_upload_classes_and_readiness(web, labelled_setup):
    dataset, _, _ = labelled_setup
    body = web.get(f"/datasets/{dataset['id']}/").content.decode()
    for needle in ('id="dropzone"', 'id="upload-list"', 'id="add-class"', 'id="start-labelling"', 'id="readiness"',
                   'id="ready-warning"'):  # its threshold comes from the progress API
        assert needle in body


@pytest.mark.django_db
def test_dataset_page_links_readiness_to_the_next_unlabelled_image_and_to_training(web, labelled_setup):
    dataset, _, _ = labelled_setup
    body = web.get(f"/datasets/{dataset['id']}/").content.decode()
    assert 'id="next-unlabelled"' in body
    assert f'href="/training/?dataset={dataset["id"]}"' in body
