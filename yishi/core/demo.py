"""Loading the Xihu demo: deterministic (same data every time) and idempotent (a second run
changes nothing). Each app may have a `demo` module with `load(out)`; `load_demo` runs them in
INSTALLED_APPS order after this one."""

import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from .demo_data import DEMO_SUFFIX, DISTRICT, GIVEN, OFFICES, PLATFORMS, STREETS, SURNAMES
from .models import Department, DepartmentKind, Role, RoleAssignment, Unit, UnitKind, User

DEMO_PASSWORD = "yishi-demo-2026"
SCALE_PREFIX = "170"  # numbers of the bulk residents: 170 + 8 digits


def demo_name(seed: int) -> str:
    rng = random.Random(seed)
    return f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{DEMO_SUFFIX}"


@dataclass
class Logins:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, unit, mobile, how

    def add(self, role: str, unit: str, mobile: str, how: str) -> None:
        self.rows.append((role, unit, mobile, how))


def _unit_rows() -> list[list[tuple[str, str | None, dict]]]:
    """Xihu's units as (code, parent's code, fields), one list per level, parents first."""
    district = [(DISTRICT["code"], None, {
        "kind": UnitKind.DISTRICT, "name": DISTRICT["name"], "name_en": DISTRICT["name_en"],
        "description": DISTRICT["description"], "description_en": DISTRICT["description_en"]})]
    streets, communities = [], []
    for order, (suffix, kind, name, name_en, members) in enumerate(STREETS):
        code = f"{DISTRICT['code']}{suffix}"
        streets.append((code, DISTRICT["code"], {"kind": kind, "name": name, "name_en": name_en,
                                                 "sort_order": order}))
        communities += [(f"{code}{c_order + 1:03d}", code,
                         {"kind": UnitKind.COMMUNITY, "name": c_name, "name_en": c_en,
                          "sort_order": c_order})
                        for c_order, (c_name, c_en) in enumerate(members)]
    return [district, streets, communities]


DEPARTMENTS = [(name, kind, name_en) for names, kind in ((OFFICES, DepartmentKind.OFFICE),
                                                        (PLATFORMS, DepartmentKind.PLATFORM))
               for name, name_en in names]


def load_units() -> tuple[Unit, list[Unit]]:
    """The district, its streets with their communities, and each street's departments: one
    INSERT … ON CONFLICT UPDATE per level, so a second load puts back what was changed. The
    test suite asks for them in over 500 tests, where a get-then-save for each of 150 rows took
    0.2 s a test."""
    levels = _unit_rows()
    by_code: dict[str, Unit] = {}
    for level in levels:
        units = []
        for code, parent, fields in level:
            above = by_code.get(parent)
            units.append(Unit(code=code, parent=above, **fields,
                              path=(above.path if above else "") + f"{code}/"))
        Unit.objects.bulk_create(units, update_conflicts=True, unique_fields=["code"],
                                 update_fields=["parent", "path", *level[0][2]])
        # Ids of rows that were updated are not returned on every database: read them back.
        by_code |= {u.code: u for u in Unit.objects.filter(code__in=[u.code for u in units])}
    Department.objects.bulk_create(
        [Department(street=by_code[code], name=name, kind=kind, name_en=name_en)
         for code, _, _ in levels[1] for name, kind, name_en in DEPARTMENTS],
        update_conflicts=True, unique_fields=["street", "name"], update_fields=["kind", "name_en"])
    return by_code[DISTRICT["code"]], [by_code[code] for code, _, _ in levels[1]]


def _person(mobile: str, seed: int, *, home_unit=None, password: bool = False,
            superuser: bool = False) -> User:
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        user = User(mobile=mobile, name=demo_name(seed), home_unit=home_unit, is_demo=True,
                    verified_at=timezone.now() if home_unit else None,
                    is_staff=superuser, is_superuser=superuser)
        if password:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
    return user


def _role(user: User, role: str, unit: Unit, department=None) -> None:
    RoleAssignment.objects.get_or_create(
        user=user, role=role, unit=unit, ends_on=None, defaults={"department": department}
    )


@transaction.atomic
def load_people(district: Unit, streets: list[Unit]) -> Logins:
    logins = Logins()
    admin = _person("13900000000", 0, password=True, superuser=True)
    _role(admin, Role.SYSADMIN, district)
    logins.add(str(Role.SYSADMIN.label), district.name, admin.mobile, "password + TOTP")
    for i in (1, 2):
        staff = _person(f"1390000000{i}", i, password=True)
        _role(staff, Role.DISTRICT_STAFF, district)
        logins.add(str(Role.DISTRICT_STAFF.label), district.name, staff.mobile, "password + TOTP")
    for i in (1, 2, 3):
        expert = _person(f"1390005000{i}", 500 + i)
        _role(expert, Role.EXPERT, district)
        if i == 1:
            logins.add(str(Role.EXPERT.label), district.name, expert.mobile, "SMS code")
    community_index = 0
    for s, street in enumerate(streets, start=1):
        communities = list(street.children.order_by("sort_order"))
        staff = _person(f"1390001{s:02d}01", 1000 + s, password=True)
        _role(staff, Role.STREET_STAFF, street)
        logins.add(str(Role.STREET_STAFF.label), street.name, staff.mobile, "password + TOTP")
        platform = street.departments.get(name="便民服务平台")
        handler = _person(f"1390002{s:02d}01", 2000 + s, password=True)
        _role(handler, Role.DEPARTMENT_HANDLER, street, platform)
        if s == 2:
            logins.add(str(Role.DEPARTMENT_HANDLER.label), f"{street.name} {platform.name}",
                       handler.mobile, "password + TOTP")
        for d in range(1, 4):
            deputy = _person(f"1390003{s:02d}{d:02d}", 3000 + s * 10 + d,
                             home_unit=communities[d % len(communities)])
            _role(deputy, Role.DEPUTY, street)
            if s == 2 and d == 1:
                logins.add(str(Role.DEPUTY.label), street.name, deputy.mobile, "SMS code")
        for m in range(1, 11):
            member = _person(f"1390004{s:02d}{m:02d}", 4000 + s * 100 + m,
                             home_unit=communities[m % len(communities)])
            _role(member, Role.COUNCIL_MEMBER, street)
            if s == 2 and m == 1:
                logins.add(str(Role.COUNCIL_MEMBER.label), street.name, member.mobile, "SMS code")
        for community in communities:
            community_index += 1
            for r in range(5):
                resident = _person(f"1380000{community_index:03d}{r}",
                                   100000 + community_index * 10 + r, home_unit=community)
                _role(resident, Role.RESIDENT, community)
                if s == 2 and community_index and r == 0 and community.sort_order == 0:
                    logins.add(str(Role.RESIDENT.label), community.name, resident.mobile,
                               "SMS code")
    return logins


def load_scale(count: int, batch: int = 20000) -> tuple[int, float]:
    """Make sure `count` bulk residents exist (numbers 170xxxxxxxx), spread over all communities.
    Rows go in with bulk inserts; the resident roles follow in one INSERT … SELECT."""
    started = time.monotonic()
    communities = list(Unit.objects.filter(kind=UnitKind.COMMUNITY).values_list("id", flat=True))
    if not communities:
        raise RuntimeError("load the units first")
    existing = set(
        User.objects.filter(mobile__startswith=SCALE_PREFIX, mobile__lt=f"{SCALE_PREFIX}{count:08d}")
        .values_list("mobile", flat=True)
    ) if count <= 2_000_000 else None
    now = timezone.now()
    created = 0
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(start + batch, count)):
            mobile = f"{SCALE_PREFIX}{i:08d}"
            if existing is not None and mobile in existing:
                continue
            rows.append(User(
                mobile=mobile, name=demo_name(10_000_000 + i), password="!",
                home_unit_id=communities[i % len(communities)], is_demo=True, date_joined=now,
                verified_at=now if i % 3 else None,
            ))
        if rows:
            with transaction.atomic():
                User.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
            created += len(rows)
    user_table = User._meta.db_table
    role_table = RoleAssignment._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {role_table} (user_id, role, unit_id, starts_on)
                SELECT u.id, %s, u.home_unit_id, %s FROM {user_table} u
                WHERE u.mobile LIKE %s AND u.home_unit_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM {role_table} r
                                  WHERE r.user_id = u.id AND r.role = %s)""",
            [Role.RESIDENT.value, timezone.localdate(), f"{SCALE_PREFIX}%", Role.RESIDENT.value],
        )
    return created, time.monotonic() - started
