"""The inventory campaign's phases (清查: 筹备 → 清查中 → 审核 → 已公布) and each finding's decision by
the street, declared once on the core workflow mechanism."""

from django.utils.translation import gettext_lazy as _

from yishi.core.workflow import Transition, Workflow

from .asset_models import (
    CampaignMember,
    CampaignState,
    Disposal,
    DisposalState,
    Finding,
    FindingState,
    InventoryCampaign,
)

C = CampaignState


def _error(message, code):
    from .services import FinanceError

    return FinanceError(message, code=code)


def _has_firm_and_group(campaign) -> str | None:
    parts = set(campaign.members.values_list("part", flat=True))
    if CampaignMember.Part.FIRM not in parts:
        return _("Give the outside firm an account first.")
    if CampaignMember.Part.SUPERVISOR not in parts:
        return _("Name the supervision group first.")
    return None


def _every_item_found(campaign) -> str | None:
    missing = campaign.snapshot.exclude(
        findings__state__in=[FindingState.RECORDED, FindingState.APPROVED]).count()
    if missing:
        return _("%(n)d items of the snapshot have no finding yet.") % {"n": missing}
    return None


def _all_decided(campaign) -> str | None:
    waiting = campaign.findings.filter(state=FindingState.RECORDED).count()
    if waiting:
        return _("%(n)d findings wait for the street's decision.") % {"n": waiting}
    return _every_item_found(campaign)


# The report's summary comes with the publication (the confirmation panel carries its field), so
# publish_report checks it rather than a guard that would hide the action until it exists.
CAMPAIGN = Workflow(
    InventoryCampaign, "finance.inventory", unit=lambda c: c.street, error=_error,
    repr=lambda c: c.title,
    state_message=_("This cannot be done while the inventory is “%(state)s”."),
    conflict_message=_("The inventory was changed by someone else; please reload."),
    transitions=[
        Transition("start", {C.PREPARING}, C.FIELDWORK,
                   _("Take the snapshot and start the inventory"), rule="finance.manage_assets",
                   guards=[_has_firm_and_group],
                   confirm=_("The register as of the reference date is copied into the "
                             "inventory's snapshot; the outside firm can then record findings.")),
        Transition("close_fieldwork", {C.FIELDWORK}, C.REVIEW, _("Close the fieldwork"),
                   rule="finance.manage_assets", guards=[_every_item_found]),
        Transition("reopen", {C.REVIEW}, C.FIELDWORK, _("Reopen the fieldwork"),
                   rule="finance.manage_assets"),
        Transition("publish", {C.REVIEW}, C.PUBLISHED, _("Publish the report"),
                   rule="finance.manage_assets", guards=[_all_decided],
                   confirm=_("The inventory's report, findings and photos become public; "
                             "no more findings can be recorded.")),
    ],
)


def _campaign_open(finding) -> str | None:
    if finding.campaign.state not in (C.FIELDWORK, C.REVIEW):
        return _("The inventory is closed.")
    return None


F = FindingState
# Approving a finding that changes the register needs its documents: approve_finding checks them
# with the upload that brings them (the page's approval form carries the files), so they are not
# a guard here, which would hide the approval until documents exist.
FINDING = Workflow(
    Finding, "finance.finding", unit=lambda f: f.campaign.street, error=_error,
    audit_changes=True, repr=lambda f: str(f),
    state_message=_("The street has already decided on this finding."),
    conflict_message=_("The street has already decided on this finding."),
    transitions=[
        Transition("approve", {F.RECORDED}, F.APPROVED, _("Approve and change the register"),
                   rule="finance.manage_assets", guards=[_campaign_open]),
        Transition("reject", {F.RECORDED}, F.REJECTED, _("Return to the firm"),
                   rule="finance.manage_assets", guards=[_campaign_open]),
    ],
)


def _no_inventory(disposal) -> str | None:
    if InventoryCampaign.objects.filter(street_id=disposal.asset.street_id,
                                        state__in=[C.FIELDWORK, C.REVIEW]).exists():
        return _("An inventory is under way: the register changes only through its findings "
                 "until the report is published.")
    return None


D = DisposalState
# Disposal of an asset (资产处置): the street's request is the record's creation
# (disposals.request_disposal); the district decides, the street then records the disposal. The
# approval's document comes with the approval's upload (checked by approve_disposal, as for a
# finding), so it is not a guard that would hide the approval until it exists.
DISPOSAL = Workflow(
    Disposal, "finance.disposal", unit=lambda d: d.asset.street, error=_error,
    audit_changes=True, repr=lambda d: str(d),
    state_message=_("This disposal is “%(state)s”."),
    conflict_message=_("The disposal was changed by someone else; please reload."),
    transitions=[
        Transition("approve", {D.AWAITING}, D.APPROVED, _("Approve the disposal"),
                   rule="finance.approve_disposal"),
        Transition("refuse", {D.AWAITING}, D.REFUSED, _("Refuse the disposal"),
                   rule="finance.approve_disposal", guards=[_no_inventory]),
        Transition("dispose", {D.APPROVED}, D.DISPOSED, _("Record the disposal"),
                   rule="finance.manage_assets", guards=[_no_inventory],
                   confirm=_("The asset leaves the register as disposed from the day given; "
                             "this cannot be undone.")),
    ],
)
