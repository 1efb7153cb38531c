"""The import API: upload (multipart), mapping, dry run, commit, progress, errors; scope."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from salescore.customers.models import Customer
from salescore.imports.tests.helpers import csv_bytes

ROWS = [["客户名称", "等级"], ["甲有限公司", "A"], ["乙有限公司", "Z"]]


def _upload(client, rows=ROWS, kind="customers"):
    file = SimpleUploadedFile("book.csv", csv_bytes(rows), content_type="text/csv")
    return client.post("/api/v1/imports", {"kind": kind, "file": file})


def test_upload_map_validate_commit(cast, api_as, django_capture_on_commit_callbacks):
    client = api_as(cast.rep_a)
    response = _upload(client)
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["status"] == "uploaded" and job["headers"] == ["客户名称", "等级"]
    assert job["mapping"] == {"0": "name", "1": "tier"} and job["total_rows"] == 2

    response = client.put(
        f"/api/v1/imports/{job['id']}/mapping",
        {"mapping": {"0": "name", "1": "tier"}},
        content_type="application/json",
    )
    assert response.json()["status"] == "mapped"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/imports/{job['id']}/validate", content_type="application/json")
    assert response.status_code == 202
    assert client.get(f"/api/v1/imports/{job['id']}").json()["status"] == "validated"
    errors = client.get(f"/api/v1/imports/{job['id']}/errors").json()
    assert errors["count"] == 1 and errors["items"][0]["row"] == 3 and errors["items"][0]["column"] == "等级"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/imports/{job['id']}/commit",
            {"error_policy": "skip_bad_rows"},
            content_type="application/json",
        )
    assert response.status_code == 202
    done = client.get(f"/api/v1/imports/{job['id']}").json()
    assert (done["status"], done["created_count"], done["error_count"], done["processed_rows"]) == (
        "done",
        1,
        1,
        2,
    )
    assert list(Customer.objects.values_list("name", flat=True)) == ["甲有限公司"]


def test_errors_use_the_common_shape(cast, api_as):
    client = api_as(cast.rep_a)
    job = _upload(client).json()
    response = client.post(f"/api/v1/imports/{job['id']}/commit", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "not_mapped"
    response = client.put(
        f"/api/v1/imports/{job['id']}/mapping", {"mapping": {"1": "tier"}}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"} and "name" in response.json()["fields"]
    response = _upload(api_as(cast.agent))
    assert response.status_code == 403


def test_jobs_are_private(cast, api_as):
    job = _upload(api_as(cast.rep_a)).json()
    other = api_as(cast.rep_b)
    assert other.get(f"/api/v1/imports/{job['id']}").status_code == 404
    assert other.get(f"/api/v1/imports/{job['id']}/errors").status_code == 404
    assert other.get("/api/v1/imports").json()["count"] == 0
    assert api_as(cast.rep_a).get("/api/v1/imports").json()["count"] == 1
    assert api_as(cast.director).get(f"/api/v1/imports/{job['id']}").status_code == 200
    assert other.delete(f"/api/v1/imports/{job['id']}").status_code == 404
    assert api_as(cast.rep_a).delete(f"/api/v1/imports/{job['id']}").status_code == 204


def test_an_unreadable_upload_is_a_clear_400(cast, api_as):
    # found by fuzzing: multipart without a boundary was a server error
    response = api_as(cast.rep_a).post("/api/v1/imports", data=b"name=x", content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_upload"
