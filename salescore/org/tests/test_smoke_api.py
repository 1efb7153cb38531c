import json


def test_api(cast, api_as, client_as):
    c = api_as(cast.lead_a)
    r = c.get("/api/v1/people")
    assert r.status_code == 200, r.content
    print(r.json()["count"], [p["username"] for p in r.json()["items"]])
    r = c.get(f"/api/v1/people/{cast.rep_b.pk}")
    print(r.status_code, r.json())
    r = c.get("/api/v1/openapi.json")
    assert r.status_code == 200, r.content[:500]
    r = c.get("/api/v1/docs")
    print("docs", r.status_code)
    a = api_as(cast.admin)
    r = a.patch(
        f"/api/v1/people/{cast.rep_a.pk}",
        data=json.dumps({"version": 1, "name": "x" * 200}),
        content_type="application/json",
    )
    print(r.status_code, r.json())
    r = a.patch(
        f"/api/v1/people/{cast.rep_a.pk}",
        data=json.dumps({"version": 1, "name": "新名字", "region_ids": [3, 4]}),
        content_type="application/json",
    )
    print(r.status_code, r.json())
    r = a.patch(
        f"/api/v1/people/{cast.rep_a.pk}",
        data=json.dumps({"version": 1, "name": "again"}),
        content_type="application/json",
    )
    print(r.status_code, r.json())
    r = a.get(f"/api/v1/history/org.person/{cast.rep_a.pk}")
    print(r.status_code, json.dumps(r.json(), ensure_ascii=False)[:1500])
    r = a.post("/api/v1/org/units", data="{bad", content_type="application/json")
    print(r.status_code, r.json())
    r = a.post(
        "/api/v1/org/units",
        data=json.dumps({"kind": "team", "name": "x", "parent_id": cast.department.pk}),
        content_type="application/json",
    )
    print(r.status_code, r.json())
    r = api_as(cast.rep_a).delete(f"/api/v1/people/{cast.rep_b.pk}")
    print(r.status_code, r.json())
    r = api_as(cast.rep_a).delete(f"/api/v1/people/{cast.rep_a2.pk}")
    print(r.status_code, r.json())
    s = client_as(cast.admin)
    r = s.post("/api/v1/tokens", data=json.dumps({"name": "n"}), content_type="application/json")
    print("session post no csrf", r.status_code, r.content[:300])
    from django.test import Client

    r = Client().get("/api/v1/people")
    print(r.status_code, r.json())
