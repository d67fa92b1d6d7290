from django.core.management import call_command

from yishi.councils.models import Call, Council, Meeting, MeetingBatch, Member, Minutes, RoundTable


def counts():
    return (Council.objects.count(), Member.objects.count(), Meeting.objects.count(),
            Minutes.objects.filter(state="published").count(), Call.objects.count(),
            RoundTable.objects.count())


def test_demo_councils(demo):
    first = counts()
    assert first[0] == 12 and 500 <= first[1] <= 700
    batch = MeetingBatch.objects.get()
    assert batch.meetings.count() == 12
    assert Minutes.objects.filter(meeting__batch=batch, state="published").count() == 12
    assert Meeting.objects.filter(state="convened", council__street__name="西溪街道").exists()
    call_command("load_demo", quiet=True)
    assert counts() == first


def test_demo_pages_render(demo, client, verified_login):
    from yishi.core.models import User

    xixi = Council.objects.get(street__name="西溪街道")
    meeting = Meeting.objects.filter(council=xixi, state="closed").first()
    batch = MeetingBatch.objects.get()
    call = Call.objects.first()
    table = RoundTable.objects.first()
    public = ["/councils/", f"/councils/{xixi.street.code}/", f"/councils/meetings/{meeting.pk}/",
              "/councils/calendar/", "/councils/calendar.ics", "/councils/calls/",
              f"/councils/calls/{call.pk}/", f"/councils/round-tables/{table.pk}/",
              f"/councils/district/{batch.pk}/", "/councils/calls.csv",
              f"/councils/{xixi.street.code}/roster.csv",
              f"/councils/{xixi.street.code}/resolutions.csv", "/api/councils/meetings?upcoming=true",
              "/api/councils/round-tables", f"/api/councils/councils/{xixi.street.code}/members"]
    for url in public:
        assert client.get(url).status_code == 200, url
    assert "2026年街道财政预算草案审查" in client.get(
        f"/councils/{xixi.street.code}/resolutions.csv").content.decode()
    body = client.get(f"/councils/meetings/{meeting.pk}/").content.decode()
    assert "<iframe" in body  # 西溪's 智汇人大 video host is allowed by default
    staff = verified_login(User.objects.get(mobile="13900010201"))
    upcoming = Meeting.objects.get(council=xixi, state="convened")
    for url in ("/councils/manage/", f"/councils/manage/{xixi.street.code}/members/",
                f"/councils/manage/meetings/{upcoming.pk}/",
                f"/councils/manage/meetings/{upcoming.pk}/desk/",
                f"/councils/manage/{xixi.street.code}/meetings/new/",
                f"/councils/manage/{xixi.street.code}/round-tables/new/"):
        assert staff.get(url).status_code == 200, url
    client.force_login(User.objects.get(mobile="13900040201"))
    mine = client.get("/councils/my-meetings/").content.decode()
    assert upcoming.title in mine
