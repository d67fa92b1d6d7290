"""The asset register's history stores why it changed as data (reason_kind, reason_params and the
person's own words in `reason`) instead of a sentence translated in the actor's language.

Rows written before are converted where their sentence is one the code produced, in either
language: the patterns below are the exact msgids and zh_Hans msgstrs of the catalogs at this
migration (yishi/locale/*/LC_MESSAGES/django.po), with the labels of the lease kinds, disposal
methods and finding kinds in both languages. A row that matches none keeps its text as a
reason in the person's own words (kind "text"). Going back writes the sentence again (in
Chinese, the default language) into `reason`, cut as the code before wrote it (a disposal's
reason or refusal's note to 200 characters, the sentence to 300): what is cut is whole on the
disposal itself (Disposal.reason, Disposal.decision_note)."""

import re
from datetime import date

from django.db import migrations, models

# Labels as the code wrote them into the sentences: the msgid, the zh_Hans msgstr and the en
# msgstr (the English catalog's clean labels, without the Chinese term).
LEASE_KINDS = {"Lease (出租)": "lease", "出租": "lease", "Lease": "lease",
               "Loan (出借)": "loan", "出借": "loan", "Loan": "loan"}
METHODS = {"Sale (出售)": "sale", "出售": "sale", "Sale": "sale",
           "Transfer without charge (无偿划转)": "transfer", "无偿划转": "transfer",
           "Transfer without charge": "transfer",
           "Donation (对外捐赠)": "donation", "对外捐赠": "donation", "Donation": "donation",
           "Scrapping (报废报损)": "scrap", "报废报损": "scrap", "Scrapping": "scrap"}
FINDINGS = {"Matches the register (相符)": "match", "相符": "match",
            "Matches the register": "match",
            "Missing (盘亏)": "loss", "盘亏": "loss", "Missing": "loss",
            "Found elsewhere (位置不符)": "misplaced", "位置不符": "misplaced",
            "Found elsewhere": "misplaced",
            "Not in the register (盘盈)": "surplus", "盘盈": "surplus",
            "Not in the register (surplus)": "surplus"}

# Each sentence the code produced, as its msgid and its zh_Hans msgstr.
SENTENCES = {
    "entered": ["Entered in the register", "登记入账"],
    "lease": ["%(kind)s from %(start)s to %(end)s", "%(kind)s，自%(start)s至%(end)s"],
    "disposal_requested": ["Disposal requested (%(method)s): %(reason)s",
                           "申请处置（%(method)s）：%(reason)s"],
    "disposal_refused": ["Disposal refused: %(note)s", "处置未获批准：%(note)s"],
    "disposed": ["Disposed (%(method)s), approved by %(decision)s",
                 "已处置（%(method)s），批复：%(decision)s"],
    "inventory": ["Inventory “%(title)s”: %(finding)s", "资产清查“%(title)s”：%(finding)s"],
}


def _pattern(template: str) -> re.Pattern:
    """A msgid or msgstr as a regular expression: each %(name)s a named group, the rest as is.
    Free text (a reason, a note, a title, a document) may hold anything, newlines included."""
    parts = re.split(r"%\((\w+)\)s", template)
    out = []
    for n, part in enumerate(parts):
        out.append(f"(?P<{part}>.*?)" if n % 2 else re.escape(part))
    return re.compile("".join(out), re.DOTALL)


PATTERNS = [(kind, _pattern(t)) for kind, templates in SENTENCES.items() for t in templates]


def _iso(text: str) -> str | None:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def recognise(text: str) -> tuple[str, dict, str] | None:
    """(kind, params, the person's words) for a sentence the code produced, or None."""
    for kind, pattern in PATTERNS:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        g = found.groupdict()
        if kind == "entered":
            return kind, {}, ""
        if kind == "lease":
            start, end = _iso(g["start"]), _iso(g["end"])
            if g["kind"] in LEASE_KINDS and start and end:
                return kind, {"kind": LEASE_KINDS[g["kind"]], "start": start, "end": end}, ""
        elif kind == "disposal_requested":
            if g["method"] in METHODS:
                return kind, {"method": METHODS[g["method"]]}, g["reason"]
        elif kind == "disposal_refused":
            return kind, {}, g["note"]
        elif kind == "disposed":
            if g["method"] in METHODS:
                return kind, {"method": METHODS[g["method"]], "decision": g["decision"]}, ""
        elif kind == "inventory":
            if g["finding"] in FINDINGS:
                return kind, {"title": g["title"], "finding": FINDINGS[g["finding"]]}, ""
    return None


def forward(apps, schema_editor):
    AssetVersion = apps.get_model("finance", "AssetVersion")
    changed = []
    for version in AssetVersion.objects.filter(reason_kind="text").only("id", "reason").iterator():
        found = recognise(version.reason)
        if found is None:
            continue  # kept as it is: a reason in the person's own words
        version.reason_kind, version.reason_params, version.reason = found
        changed.append(version)
    AssetVersion.objects.bulk_update(changed, ["reason_kind", "reason_params", "reason"],
                                     batch_size=500)


ZH_LABELS = {"lease": "出租", "loan": "出借", "sale": "出售", "transfer": "无偿划转",
             "donation": "对外捐赠", "scrap": "报废报损"}
ZH_FINDINGS = {"match": "相符", "loss": "盘亏", "misplaced": "位置不符", "surplus": "盘盈"}


def sentence(kind: str, params: dict, words: str) -> str:
    """The sentence in Chinese as the code before this migration wrote it."""
    zh = SENTENCES[kind][1] if kind in SENTENCES else "%(reason)s"
    values = {"reason": words, "note": words, "title": params.get("title", ""),
              "decision": params.get("decision", ""), "start": params.get("start", ""),
              "end": params.get("end", ""), "kind": ZH_LABELS.get(params.get("kind"), ""),
              "method": ZH_LABELS.get(params.get("method"), ""),
              "finding": ZH_FINDINGS.get(params.get("finding"), "")}
    if kind in ("disposal_requested", "disposal_refused"):
        values["reason"] = values["note"] = words[:200]
    return (zh % values)[:300]


def backward(apps, schema_editor):
    AssetVersion = apps.get_model("finance", "AssetVersion")
    changed = []
    for version in AssetVersion.objects.exclude(reason_kind="text").iterator():
        version.reason = sentence(version.reason_kind, version.reason_params or {},
                                  version.reason)
        changed.append(version)
    AssetVersion.objects.bulk_update(changed, ["reason"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("finance", "0006_asset_disposal"),
    ]

    operations = [
        migrations.AddField(
            model_name="assetversion",
            name="reason_kind",
            field=models.CharField(choices=[
                ("text", "In the person's own words (文字说明)"),
                ("entered", "Entered in the register (登记入账)"),
                ("lease", "Lease or loan (出租出借)"),
                ("disposal_requested", "Disposal requested (申请处置)"),
                ("disposal_refused", "Disposal refused (处置未获批准)"),
                ("disposed", "Disposed (已处置)"),
                ("inventory", "Inventory finding approved (资产清查)")],
                default="text", max_length=20, verbose_name="kind of change (变动原因)"),
        ),
        migrations.AddField(
            model_name="assetversion",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="details of the change"),
        ),
        # A disposal's reason or refusal's note goes into the history whole (up to 2,000
        # characters); going back, `backward` cuts the sentence to the old 300 first.
        migrations.AlterField(
            model_name="assetversion",
            name="reason",
            field=models.TextField(blank=True, verbose_name="reason in the person's words"),
        ),
        migrations.RunPython(forward, backward),
    ]
