"""Eligibility of an official to telework, with the rule that decided it (R-ELIG-1..3)."""

from dataclasses import dataclass

from contracts.categories import CATEGORIES, Kind
from contracts.policy import Allowance, PublishedPolicy


@dataclass(frozen=True)
class Eligibility:
    status: Allowance  # may | partly | may_not
    rule: str  # e.g. "§3.2.2" or "policy ONDE v3 §3.1.3"
    reason_th: str
    reason_en: str

    @property
    def eligible(self) -> bool:
        return self.status != "may_not"


def determine(
    category_code: str | None, position_partly: bool, policy: PublishedPolicy | None
) -> Eligibility:
    if category_code is None or category_code not in CATEGORIES:
        return Eligibility(
            "may_not",
            "unclassified",
            "ตำแหน่งยังไม่ได้จัดลักษณะงานตามข้อ 3",
            "the position has no §3 job category yet",
        )
    cat = CATEGORIES[category_code]
    if cat.kind is Kind.MAY_NOT:
        return Eligibility(
            "may_not",
            cat.ref,
            f"ลักษณะงานตามข้อ {cat.code}: {cat.name_th}",
            f"§{cat.code}: {cat.name_en}",
        )
    if policy is None:
        return Eligibility(
            "may_not",
            "no-policy",
            "หัวหน้าส่วนราชการยังไม่ได้ประกาศนโยบายการปฏิบัติราชการนอกสถานที่",
            "the head of agency has not published a telework policy",
        )
    override = policy.document.categories.get(cat.code)
    where = f"policy {policy.agency} v{policy.version} {cat.ref}"
    if override == "may_not":
        return Eligibility(
            "may_not",
            where,
            f"นโยบายของ {policy.agency} ไม่อนุญาตลักษณะงานข้อ {cat.code}",
            f"{policy.agency}'s policy does not allow §{cat.code} work away",
        )
    if override == "partly" or position_partly:
        rule = where if override == "partly" else f"position partly {cat.ref}"
        return Eligibility(
            "partly",
            rule,
            f"ปฏิบัติราชการนอกสถานที่ได้บางส่วน (ข้อ {cat.code})",
            f"may telework partly (§{cat.code})",
        )
    return Eligibility(
        "may", cat.ref, f"ปฏิบัติราชการนอกสถานที่ได้ (ข้อ {cat.code})", f"may telework (§{cat.code})"
    )
