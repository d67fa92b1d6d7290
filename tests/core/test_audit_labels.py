"""Every audit action has a label in words (yishi/core/audit_labels.py), in both languages, and
pages show the label, not the code.

The code is walked for every action string recorded: the literal passed to `audit.record()` or
`audit.Entry(...)`, followed through the small helpers that build it (`_audit(actor,
"open_cycle", …)` → `f"projects.{action}"`, `_publish_version(…, Kind.NOTICE, …)` →
`f"publish_{kind}"`); an action built in a way the walk cannot follow fails the test, except in
the three places that are checked another way (workflow transitions, the admin's records, the
demo's replayed history)."""

import ast
import enum
import importlib
import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

import yishi
from yishi.core import audit_labels
from yishi.core.audit_labels import label_or_none, workflow_actions

ROOT = Path(yishi.__file__).parent
# Actions built from values known only at run time, and the test that covers each instead.
COVERED_ELSEWHERE = {
    ROOT / "core" / "workflow.py": "test_every_workflow_transition_has_a_label",
    ROOT / "core" / "admin_audit.py": "test_every_admin_action_has_a_label",
    ROOT / "opinions" / "demo_set" / "year.py": "test_every_action_in_the_demo_has_a_label",
}
RECORDERS = {"record": 1, "Entry": 0}  # audit function → position of its action argument


class Module:
    def __init__(self, path: Path, source: str | None = None, name: str | None = None):
        self.path = path
        self.name = name or ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        self.package = self.name if path.name == "__init__.py" else self.name.rpartition(".")[0]
        self.tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
        self.parents = {child: node for node in ast.walk(self.tree)
                        for child in ast.iter_child_nodes(node)}
        self.functions = {node.name: node for node in self.tree.body
                          if isinstance(node, ast.FunctionDef)}
        self.imports: dict[str, tuple[str, str]] = {}  # local name → (module, name)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                base = self.package
                for _level in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = (f"{base}.{node.module}" if node.level and node.module
                          else base if node.level else node.module)
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (module, alias.name)

    def enclosing_function(self, node):
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def is_audit(self, func) -> str | None:
        """'record' or 'Entry' when `func` names yishi.core.audit's, else None."""
        if isinstance(func, ast.Attribute) and func.attr in RECORDERS and isinstance(
                func.value, ast.Name) and self.imports.get(func.value.id, ("", ""))[1] == "audit":
            return func.attr
        if isinstance(func, ast.Name) and self.imports.get(func.id) in (
                ("yishi.core.audit", "record"), ("yishi.core.audit", "Entry")):
            return self.imports[func.id][1]
        return None

    def evaluate(self, expr) -> str | None:
        """A module-level constant (`PublishedVersion.Kind.NOTICE`) evaluated in the module."""
        try:
            value = eval(ast.unparse(expr), vars(importlib.import_module(self.name)))  # noqa: S307
        except Exception:  # noqa: BLE001 - anything not a plain constant is "cannot follow"
            return None
        value = value.value if isinstance(value, enum.Enum) else value
        return value if isinstance(value, str) else None


class Walk:
    """The action strings recorded in `modules`, and where one could not be followed."""

    def __init__(self, modules: list[Module]):
        self.modules = modules
        self.by_name = {m.name: m for m in modules}
        self.actions: dict[str, list[str]] = {}
        self.unresolved: list[str] = []
        for module in modules:
            for node in ast.walk(module.tree):
                if not isinstance(node, ast.Call):
                    continue
                kind = module.is_audit(node.func)
                if kind is None:
                    continue
                where = f"{module.path.relative_to(ROOT.parent)}:{node.lineno}"
                arg = self._argument(node, RECORDERS[kind], "action")
                values = None if arg is None else self.values(arg, module,
                                                              module.enclosing_function(node))
                if values is None:
                    if module.path not in COVERED_ELSEWHERE:
                        self.unresolved.append(f"{where}: {ast.unparse(node)[:80]}")
                    continue
                for value in values:
                    self.actions.setdefault(value, []).append(where)

    @staticmethod
    def _argument(call, position: int, keyword: str):
        if any(isinstance(a, ast.Starred) for a in call.args[:position + 1]):
            return None
        if len(call.args) > position:
            return call.args[position]
        return next((k.value for k in call.keywords if k.arg == keyword), None)

    def values(self, expr, module: Module, function, depth: int = 0) -> set[str] | None:
        """Every string `expr` can be, or None when the walk cannot tell."""
        if depth > 6:
            return None
        follow = lambda e: self.values(e, module, function, depth + 1)  # noqa: E731
        if isinstance(expr, ast.Constant):
            return {expr.value} if isinstance(expr.value, str) else None
        if isinstance(expr, ast.IfExp):
            body, orelse = follow(expr.body), follow(expr.orelse)
            return None if body is None or orelse is None else body | orelse
        if isinstance(expr, ast.JoinedStr):
            parts = [follow(p.value if isinstance(p, ast.FormattedValue) else p)
                     for p in expr.values]
            if any(p is None for p in parts):
                return None
            return {"".join(combination) for combination in itertools.product(*parts)}
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Tuple | ast.List):
            elements = [follow(e) for e in expr.value.elts]
            return None if any(e is None for e in elements) else set().union(*elements)
        if isinstance(expr, ast.Name) and function is not None:
            params = [a.arg for a in function.args.args]
            if expr.id in params:
                return self._from_callers(module, function, params.index(expr.id), expr.id,
                                          depth)
            assigned = [node.value for node in ast.walk(function)
                        if isinstance(node, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)]
            if assigned:
                found = [follow(value) for value in assigned]
                return None if any(f is None for f in found) else set().union(*found)
        if isinstance(expr, ast.Name | ast.Attribute):
            value = module.evaluate(expr)
            return None if value is None else {value}
        return None

    def _from_callers(self, module: Module, function, position: int, name: str, depth: int):
        found, calls = set(), 0
        for caller in self.modules:
            local = (function.name if caller is module
                     else next((n for n, target in caller.imports.items()
                                if target == (module.name, function.name)), None))
            if local is None:
                continue
            for node in ast.walk(caller.tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id == local):
                    continue
                calls += 1
                arg = self._argument(node, position, name)
                values = None if arg is None else self.values(
                    arg, caller, caller.enclosing_function(node), depth + 1)
                if values is None:
                    return None
                found |= values
        return found if calls else None


def source_modules() -> list[Module]:
    return [Module(path) for path in sorted(ROOT.rglob("*.py")) if "migrations" not in path.parts]


@pytest.fixture(scope="module")
def walk():
    return Walk(source_modules())


def test_the_walk_follows_literals_helpers_and_choices():
    source = '''
from yishi.core import audit
from .models import Kind

def plain(actor, obj, change):
    audit.record(actor, "app.add" if change else "app.new", obj)

def _audit(actor, action, obj):
    audit.record(actor, f"app.{action}", obj)

def publish(actor, kind):
    _audit(actor, f"publish_{kind}", None)

def user(actor, index):
    _audit(actor, "open", None)
    publish(actor, "notice")
    step = ("remind", "escalate")[index]
    audit.record(None, f"app.{step}", None)
    audit.Entry(action="app.bulk", object_type="", object_id="", object_repr="", created_at=0)

def unknown(actor, action):
    audit.record(actor, action, None)
'''
    module = Module(ROOT / "core" / "example.py", source, name="yishi.core.example")
    walk = Walk([module])
    assert sorted(walk.actions) == ["app.add", "app.bulk", "app.escalate", "app.new",
                                    "app.open", "app.publish_notice", "app.remind"]
    assert len(walk.unresolved) == 1 and "unknown" not in walk.actions


def test_every_action_recorded_in_the_code_can_be_followed(walk):
    assert walk.unresolved == []
    assert len(walk.actions) > 100  # the walk does see the code's actions


def test_every_action_recorded_in_the_code_has_a_label(walk):
    missing = {action: where for action, where in walk.actions.items()
               if label_or_none(action) is None}
    assert missing == {}


def test_every_declared_label_is_of_an_action_the_code_records(walk):
    """A label declared for an action nobody records is a typo or left over."""
    stale = sorted(set(audit_labels.declared()) - set(walk.actions))
    assert stale == []


def test_every_workflow_transition_has_a_label():
    with translation.override("zh-hans"):
        for action, (wf, t) in workflow_actions().items():
            label = label_or_none(action)
            assert label and str(t.label) in label and action not in label
            assert str(wf.model._meta.verbose_name) in label


def test_a_label_is_declared_once_and_never_for_a_workflow_action():
    from django.core.checks import run_checks

    assert not [e for e in run_checks() if e.id == "yishi.E101"]
    with pytest.raises(ValueError, match="declared twice"):
        audit_labels.declare({"core.sign_up": "again"})
    audit_labels._DECLARED["opinions.accept"] = "again"
    try:
        assert [e.id for e in audit_labels.check_declarations()] == ["yishi.E101"]
    finally:
        del audit_labels._DECLARED["opinions.accept"]


def test_every_admin_action_has_a_label():
    from yishi.core.admin_audit import _action

    for model in admin.site._registry:
        for verb in ("add", "change", "delete"):
            action = _action(verb, SimpleNamespace(_meta=model._meta))
            with translation.override("en"):
                label = label_or_none(action)
                assert label and str(model._meta.verbose_name) in label, action


def test_labels_are_translated_in_both_languages():
    actions = set(audit_labels.declared()) | set(workflow_actions())
    untranslated = []
    for action in sorted(actions):
        with translation.override("en"):
            english = label_or_none(action)
        with translation.override("zh-hans"):
            chinese = label_or_none(action)
        if not chinese or chinese == english or not any("\u4e00" <= c <= "\u9fff"
                                                        for c in chinese):
            untranslated.append((action, chinese))
    assert untranslated == []
    with translation.override("zh-hans"):
        assert label_or_none("opinions.accept") == "选民意见：受理"
    with translation.override("en"):
        assert label_or_none("opinions.accept") == "Opinion: Accept"


def test_an_action_no_code_declares_reads_as_such():
    with translation.override("en"):
        assert audit_labels.label("gone.action_of_old") == "Other action"
        assert label_or_none("admin.add.nosuch.model") is None


def test_every_action_in_the_demo_has_a_label(demo):
    from yishi.core.models import AuditRecord

    actions = set(AuditRecord.objects.values_list("action", flat=True).distinct())
    assert len(actions) > 30
    assert sorted(a for a in actions if label_or_none(a) is None) == []


# --- the audit trail page and the admin ------------------------------------------------------

def _record(action, unit, obj_repr="记录"):
    from django.db import transaction

    from yishi.core import audit

    with transaction.atomic():
        return audit.record(None, action, unit, unit=unit, repr_=obj_repr)


def test_the_page_shows_labels_in_the_readers_language(client, people, xihu, verified_login):
    _record("finance.register_asset", xihu["xixi"], "办公楼")
    _record("opinions.accept", xihu["xixi"], "XX-2026-0001")
    verified_login(people["district_staff"])
    html = client.get(reverse("core:audit_trail")).content.decode()
    assert "资产入账" in html and "选民意见：受理" in html
    assert "<code>" not in html  # the code is secondary text, not the action's name
    assert '<span class="audit-code">finance.register_asset</span>' in html
    assert 'data-label="操作"' in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("core:audit_trail")).content.decode()
    assert "Asset entered in the register" in html and "Opinion: Accept" in html
    assert '<option value="opinions.accept">Opinion: Accept</option>' in html


def test_the_filter_by_action_keeps_working(client, people, xihu, verified_login):
    _record("finance.register_asset", xihu["xixi"], "办公楼")
    _record("opinions.accept", xihu["xixi"], "XX-2026-0001")
    verified_login(people["district_staff"])
    html = client.get(reverse("core:audit_trail"), {"action": "opinions.accept"}).content.decode()
    assert "XX-2026-0001" in html and "办公楼" not in html
    assert '<option value="opinions.accept" selected>' in html


def test_a_hostile_filter_is_refused_in_words_and_shows_everything(client, people, xihu,
                                                                  verified_login):
    _record("opinions.accept", xihu["xixi"], "XX-2026-0001")
    verified_login(people["district_staff"])
    response = client.get(reverse("core:audit_trail"), {"action": "<script>x</script>"})
    html = response.content.decode()
    assert response.status_code == 200 and "<script>x</script>" not in html
    assert "没有这种操作的记录" in html and "XX-2026-0001" in html


def test_street_staff_see_only_their_streets_records_and_actions(client, people, xihu,
                                                                 verified_login):
    _record("opinions.accept", xihu["xixi"], "西溪的意见")
    _record("finance.register_asset", xihu["beishan"], "北山的资产")
    verified_login(people["street_staff"])  # 西溪
    html = client.get(reverse("core:audit_trail")).content.decode()
    assert "西溪的意见" in html and "北山的资产" not in html
    assert 'value="finance.register_asset"' not in html  # not even among the choices
    html = client.get(reverse("core:audit_trail"),
                      {"action": "finance.register_asset"}).content.decode()
    assert "北山的资产" not in html


@pytest.fixture
def admin_client(people, verified_login):
    from yishi.core.models import User

    User.objects.filter(pk=people["sysadmin"].pk).update(is_staff=True, is_superuser=True)
    people["sysadmin"].refresh_from_db()
    return verified_login(people["sysadmin"])


def test_the_admin_lists_and_filters_actions_in_words(admin_client, xihu):
    _record("opinions.accept", xihu["xixi"], "XX-2026-0001")
    _record("finance.register_asset", xihu["xixi"], "办公楼")
    url = reverse("admin:core_auditrecord_changelist")
    html = admin_client.get(url).content.decode()
    assert "选民意见：受理" in html and "资产入账" in html
    html = admin_client.get(url, {"action": "opinions.accept"}).content.decode()
    assert "XX-2026-0001" in html and "办公楼" not in html
    html = admin_client.get(url, {"q": "register_asset"}).content.decode()  # by code
    assert "办公楼" in html and "XX-2026-0001" not in html
