from motcua.org import selectors, services
from motcua.org.models import Agency


def _ids(user):
    return set(
        Agency.objects.filter(selectors.readable_agency_filter(user, field="")).values_list(
            "identifier", flat=True
        )
    )


def test_overseer_reads_whole_subtree_officer_only_own(tree, django_user_model):
    overseer = django_user_model.objects.create_user("hdnd")
    services.staff_assign_role(user=overseer, agency=tree["district"], role="overseer")
    officer = django_user_model.objects.create_user("mc")
    services.staff_assign_role(user=officer, agency=tree["district"], role="officer")

    assert _ids(overseer) == {"000.00.33.H26", "000.01.33.H26", "000.02.33.H26"}
    assert _ids(officer) == {"000.00.33.H26"}
    assert selectors.can_read_agency(overseer, tree["w1"])
    assert not selectors.can_read_agency(officer, tree["w1"])
    assert not selectors.can_read_agency(overseer, tree["dept"])
    assert selectors.is_overseer_only(overseer)
    assert not selectors.is_overseer_only(officer)


def test_filter_over_a_foreign_key(tree, django_user_model):
    """The usual use: filter another model's rows by their agency FK (here StaffRole.agency)."""
    from motcua.org.models import StaffRole

    overseer = django_user_model.objects.create_user("hdnd")
    services.staff_assign_role(user=overseer, agency=tree["district"], role="overseer")
    other = django_user_model.objects.create_user("x")
    for key in ("w1", "dept"):
        services.staff_assign_role(user=other, agency=tree[key], role="officer")
    visible = StaffRole.objects.filter(user=other).filter(selectors.readable_agency_filter(overseer))
    assert [r.agency.identifier for r in visible] == ["000.01.33.H26"]


def test_no_role_reads_nothing_superuser_everything(tree, django_user_model):
    nobody = django_user_model.objects.create_user("cd")
    boss = django_user_model.objects.create_superuser("root", password="x")
    assert _ids(nobody) == set()
    assert len(_ids(boss)) == 5


def test_inactive_role_gives_nothing(tree, django_user_model):
    user = django_user_model.objects.create_user("old")
    role = services.staff_assign_role(user=user, agency=tree["province"], role="overseer")
    services.staff_revoke_role(staff_role=role)
    user = django_user_model.objects.get(pk=user.pk)  # drop the per-request role cache
    assert _ids(user) == set()
