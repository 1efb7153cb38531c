"""The inbox: notify() writes one row per active recipient, e-mails after commit, pages show it."""

from django.core import mail

from salescore.core.models import Notification
from salescore.core.notifications import mark_read, notify, unread_count


def test_notify_writes_the_inbox_and_emails_after_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(
            users=[cast.rep_a.user, cast.lead_a.user, cast.rep_a.user],
            kind="test",
            title="线索超时未联系",
            body="请尽快联系客户。",
            url="/leads/1/",
        )
    assert len(rows) == 2  # one per person, even when named twice
    assert unread_count(cast.rep_a.user) == 1
    assert {m.to[0] for m in mail.outbox} == {"rep_a@example.com", "lead_a@example.com"}
    assert "/leads/1/" in mail.outbox[0].body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_nothing_is_sent_when_the_change_is_rolled_back(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(users=[cast.rep_a.user], kind="test", title="x")
    assert len(callbacks) == 1  # the e-mail waits for the commit
    assert mail.outbox == []


def test_inactive_users_get_nothing(cast):
    cast.rep_b.user.is_active = False
    cast.rep_b.user.save()
    assert notify(users=[cast.rep_b.user], kind="test", title="x", email=False) == []


def test_inbox_page_shows_and_marks_read(cast, client_as):
    notify(users=[cast.rep_a.user], kind="test", title="请跟进", url="/customers/", email=False)
    client = client_as(cast.rep_a)
    html = client.get("/").content.decode()
    assert 'data-testid="inbox-link"' in html and "text-bg-danger" in html
    assert "请跟进" in client.get("/inbox/").content.decode()
    assert client.post("/inbox/read/").status_code == 302
    assert unread_count(cast.rep_a.user) == 0
    # another person's inbox is not touched by this one's "mark all read"
    notify(users=[cast.rep_b.user], kind="test", title="y", email=False)
    mark_read(user=cast.rep_a.user)
    assert unread_count(cast.rep_b.user) == 1
