from django.core.files.uploadedfile import SimpleUploadedFile

from yishi.core.models import Attachment


def test_units_api(client, demo):
    streets = client.get("/api/units", {"kind": "street"}).json()
    assert len(streets) == 10 and streets[0]["parent"] == "330106"
    towns = client.get("/api/units", {"kind": "town"}).json()
    assert {t["name"] for t in towns} == {"三墩镇", "双浦镇"}
    detail = client.get("/api/units/330106004").json()
    assert detail["name"] == "翠苑街道" and len(detail["children"]) == 7
    assert client.get("/api/units/nope").status_code == 404
    assert client.get("/api/units", {"kind": "planet"}).status_code == 422


def test_district_api(client, demo):
    assert client.get("/api/district").json()["name"] == "西湖区"


def test_openapi_schema(client, db):
    schema = client.get("/api/openapi.json").json()
    assert "/api/units" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_me_needs_auth(client, people):
    assert client.get("/api/me").status_code == 401
    client.force_login(people["resident"])
    me = client.get("/api/me").json()
    assert me["masked_mobile"].count("*") == 4 and me["roles"][0]["role"] == "resident"


def test_upload_api_refuses_bad_file(client, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["resident"])
    response = client.post("/api/attachments", {"file": SimpleUploadedFile("a.jpg", b"nope")})
    assert response.status_code == 422
    assert "not accepted" in response.json()["detail"] or "不接受" in response.json()["detail"]
    assert not Attachment.objects.exists()
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    response = client.post("/api/attachments", {"file": SimpleUploadedFile("a.png", buf.getvalue())})
    assert response.status_code == 201 and response.json()["content_type"] == "image/png"
