"""One persona per role, for the access matrix and the leak walk (tests/test_access_matrix.py,
tests/test_no_leaks.py).

A persona is a staff account with a membership in an organisation; `anonymous` has no account and
`no_role` is a signed-in staff account without a membership. The order of `PERSONAS` is the column
order of the matrix's expected table.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from mingjing.accounts.models import Membership, Organisation, Role

PERSONAS = [
    "county_admin",
    "county_analyst",
    "township_officer",
    "department_officer",
    "village_bookkeeper",
    "village_secretary",
    "village_supervisor",
    "village_member",
    "other_township",  # a township officer of another township
    "no_role",  # signed in, staff, no membership
    "anonymous",
]
VILLAGE_ROLES = ["village_bookkeeper", "village_secretary", "village_supervisor", "village_member"]
ROLE_OF = {name: Role(name) for name in PERSONAS if name in Role.values} | {"other_township": Role.TOWNSHIP_OFFICER}


def org(kind: str, name: str, region: str = "", department: str = "") -> Organisation:
    found, _ = Organisation.objects.get_or_create(
        kind=kind, region_code=region, department=department, defaults={"name": name}
    )
    return found


def staff(username: str, organisation: Organisation | None = None, role: Role | str | None = None) -> User:
    """A staff account (no usable password: the tests sign in with `force_login` or a token)."""
    user = User.objects.create_user(username, is_staff=True, first_name=username)
    if organisation is not None and role is not None:
        user.membership = Membership.objects.create(user=user, organisation=organisation, role=str(role))
    return user


def make_personas(
    *, county: Organisation, township: Organisation, other_township: Organisation,
    department: Organisation, village: Organisation, prefix: str = "",
) -> dict[str, User | None]:
    """Every persona of `PERSONAS`, by name (`anonymous` is None)."""
    where = {
        "county_admin": county, "county_analyst": county, "township_officer": township,
        "department_officer": department, "other_township": other_township,
        **{name: village for name in VILLAGE_ROLES},
    }
    users: dict[str, User | None] = {
        name: staff(prefix + name, where[name], ROLE_OF[name]) for name in where
    }
    users["no_role"] = staff(prefix + "no_role")
    users["anonymous"] = None
    return {name: users[name] for name in PERSONAS}
