"""The demo city has a running special campaign and a published task list of it, with work
in the demo road chief's and the demo agency's queues; loading it twice changes nothing."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.models.supervision_tasks import Campaign, Task, TaskList
from app.services import tasks


def test_the_demo_has_a_running_campaign_and_a_published_task_list(ctx):
    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--cases", "120"])
    assert result.exit_code == 0, result.output
    [campaign] = db.session.scalars(select(Campaign)).all()
    today = tasks.today()
    assert campaign.first <= today <= campaign.last
    [task_list] = db.session.scalars(select(TaskList)).all()
    assert task_list.status == "published" and task_list.campaign_id == campaign.id
    assert all(tasks.assignee_value(t) and t.due_on for t in task_list.tasks)
    for username in ("chief", "agency"):
        user = db.session.scalar(select(User).where(User.username == username))
        assert tasks.my_tasks(user), username
    counts = (db.session.scalar(select(func.count()).select_from(Task)),
              db.session.scalar(select(func.count()).select_from(TaskList)))
    again = runner.invoke(args=["seed-demo", "--cases", "120"])
    assert again.exit_code == 0, again.output
    assert (db.session.scalar(select(func.count()).select_from(Task)),
            db.session.scalar(select(func.count()).select_from(TaskList))) == counts
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 1
