"""Rule sets and places of work (issue #19), published with the contracts: agreements carry a
place id, and HR and e-saraban systems read them with their Thai and English wording.

The ONDE manual (seed §1) names the residence and public places such as cafés, libraries and
parks. The PM Office Regulation on work outside the agency's premises B.E. 2565 names a
co-working space the agency provides, the residence, or another place the agency designates,
and lets the head order staff to work away or to return (REFERENCES.md; its clause numbers
could not be confirmed).
"""

from typing import Literal

RuleSet = Literal["onde-manual", "pmo-2565"]
RULE_SETS: tuple[RuleSet, ...] = ("onde-manual", "pmo-2565")
RULE_SET_NAMES: dict[RuleSet, tuple[str, str]] = {
    "onde-manual": (
        "คู่มือการปฏิบัติราชการนอกสถานที่ (สำนักงานคณะกรรมการดิจิทัลเพื่อเศรษฐกิจและสังคมแห่งชาติ)",
        "the ONDE telework manual",
    ),
    "pmo-2565": (
        "ระเบียบสำนักนายกรัฐมนตรีว่าด้วยการปฏิบัติงานนอกที่ตั้งสำนักงาน พ.ศ. 2565",
        "PM Office Regulation on work outside the agency's premises B.E. 2565",
    ),
}

Place = Literal["residence", "coworking_space", "designated_place", "public_place"]
PLACES: dict[RuleSet, tuple[Place, ...]] = {
    "onde-manual": ("residence", "public_place", "coworking_space", "designated_place"),
    "pmo-2565": ("residence", "coworking_space", "designated_place"),
}
PLACE_NAMES: dict[Place, tuple[str, str]] = {
    "residence": ("ที่พักอาศัย", "residence"),
    "coworking_space": ("พื้นที่ทำงานร่วมที่ส่วนราชการจัดให้", "co-working space the agency provides"),
    "designated_place": ("สถานที่อื่นที่ส่วนราชการกำหนด", "another place the agency designates"),
    "public_place": ("สถานที่สาธารณะ เช่น ห้องสมุด", "public place, e.g. a library"),
}

DayPart = Literal["full", "morning", "afternoon"]
DAY_PART_NAMES: dict[DayPart, tuple[str, str]] = {
    "full": ("เต็มวัน", "full day"),
    "morning": ("ครึ่งวันเช้า", "morning"),
    "afternoon": ("ครึ่งวันบ่าย", "afternoon"),
}


def places_under(rule_set: str, chosen: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """The places a policy allows: those it chose, else every place its rule set names."""
    if chosen:
        return tuple(chosen)
    return PLACES["pmo-2565"] if rule_set == "pmo-2565" else PLACES["onde-manual"]
