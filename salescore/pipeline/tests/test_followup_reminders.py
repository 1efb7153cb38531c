"""Scheduled follow-ups remind their owner once, on the day they fall due (R3.2)."""

import datetime as dt

from django.utils import timezone

from salescore.core.models import Notification
from salescore.customers import services as customers
from salescore.pipeline import services, tasks


def _activity(member, customer, due, step="回电确认报价"):
    return services.activity_log(
        actor=member.user,
        customer=customer,
        channel="phone",
        subject="电话沟通",
        next_step=step,
        next_step_due=due,
    )


def test_owner_is_reminded_once_of_due_and_overdue_next_steps(cast):
    today = timezone.localdate()
    customer = customers.customer_create(actor=cast.rep_a.user, name="提醒测试有限公司")
    _activity(cast.rep_a, customer, today)
    _activity(cast.rep_a, customer, today - dt.timedelta(days=3), step="寄送样品")
    _activity(cast.rep_a, customer, today + dt.timedelta(days=2), step="下周拜访")
    done = _activity(cast.rep_a, customer, today - dt.timedelta(days=1), step="已完成的事项")
    services.activity_complete_next_step(actor=cast.rep_a.user, activity=done)

    assert services.followups_remind(today=today) == 2
    note = Notification.objects.get(recipient=cast.rep_a.user, kind="followup_due")
    assert "回电确认报价" in note.body and "寄送样品" in note.body
    assert "下周拜访" not in note.body and "已完成的事项" not in note.body
    assert note.url == "/activities/?followups=1"

    # the same next steps are not announced again the next morning
    assert services.followups_remind(today=today + dt.timedelta(days=1)) == 0


def test_the_task_runs_the_service_in_process(cast):
    customer = customers.customer_create(actor=cast.rep_b.user, name="任务测试有限公司")
    _activity(cast.rep_b, customer, timezone.localdate())
    # apply() runs the task here, as the eager default would, without touching broker pools
    assert tasks.followups_remind.apply().get() == 1
    assert Notification.objects.filter(recipient=cast.rep_b.user, kind="followup_due").count() == 1
