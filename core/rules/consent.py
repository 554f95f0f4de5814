"""Plan essentials, information given and consent."""

from __future__ import annotations

from core.content.pathway import ConsentItem
from core.rules.context import RuleContext
from core.rules.relevance import relevant_items


def check_plan(ctx: RuleContext) -> None:
    plan = ctx.case.plan
    if plan.lar_referral == "already_in_lar":
        ctx.blocker("ALREADY_IN_LAR", "plan", "plan.lar_referral",
                    "The patient is already in LAR: this rule does not apply. Contact the "
                    "patient's LAR doctor or TSB.")
    if not ctx.pathway.has_condition("quarantine"):
        return  # a tapering pathway's plan is checked by core/rules/tapering.py
    if not plan.patient_contact_phone.strip():
        ctx.blocker("PATIENT_CONTACT_MISSING", "plan", "plan.patient_contact_phone",
                    "Give the patient a contact person and phone number to call, so they do not "
                    "need to break quarantine.")
    if not plan.end_of_isolation.strip() and not plan.taper.strip():
        ctx.warning("NO_PLAN_AFTER_ISOLATION", "plan", "plan.end_of_isolation",
                    "Describe what happens when the isolation ends: gradual tapering or "
                    "transfer to ordinary treatment.")


def check_consent(ctx: RuleContext) -> None:
    consent = ctx.case.consent
    if consent.capacity is None:
        ctx.blocker("CAPACITY_NOT_ASSESSED", "consent", "consent.capacity",
                    "Assess whether the patient has capacity to consent.")
    elif consent.capacity == "lacking":
        ctx.blocker("CAPACITY_LACKING", "consent", "consent.capacity",
                    "The patient lacks capacity to consent: written consent cannot be obtained "
                    "now. Postpone, or write the reasoned decision in the journal.")
    elif consent.capacity == "reduced":
        ctx.warning("CAPACITY_REDUCED", "consent", "consent.capacity_note",
                    "Reduced capacity to consent: explain simply, check understanding and "
                    "describe your assessment.")
    if consent.status == "declined":
        ctx.blocker("CONSENT_DECLINED", "consent", "consent.status",
                    "The patient has declined. Treatment cannot start; the journal note "
                    "documents the decision.")
    elif consent.status == "withdrawn":
        ctx.blocker("CONSENT_WITHDRAWN", "consent", "consent.status",
                    "The patient has withdrawn consent. Stop the treatment and document it.")
    elif consent.status != "obtained":
        ctx.blocker("CONSENT_NOT_OBTAINED", "consent", "consent.status",
                    "Written consent has not been obtained yet.")
    relevant = {item.id for item in relevant_consent_items(ctx)}
    unexplained = sorted(relevant - {k for k, v in consent.items_explained.items() if v},
                         key=lambda k: (len(k), k))
    if unexplained:
        ctx.warning("CONSENT_ITEMS_NOT_EXPLAINED", "consent", "consent.items_explained",
                    "Not yet explained to the patient: {items}.", items=", ".join(unexplained))


def relevant_consent_items(ctx: RuleContext) -> list[ConsentItem]:
    return relevant_items(ctx.case, ctx.pathway, ctx.consultation_day)
