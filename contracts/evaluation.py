"""What the yearly evaluation asks and counts (R-EVA-2, R-EVA-3, R-TEC-1; seed §8.1, §9.3.3,
§12), published with the contracts so HR systems read the same ids with their wording.

Versioned: a survey or checklist never changes under the answers already given; a new version
gets new ids where a question changes meaning.
"""

from typing import Literal

SURVEY = "telework-satisfaction"
SURVEY_VERSION = 1
Respondent = Literal["official", "supervisor"]

# Scale 1 (strongly disagree) … 5 (strongly agree). Each question names who is asked.
QUESTIONS: dict[str, tuple[tuple[Respondent, ...], str, str]] = {
    "S1": (
        ("official", "supervisor"),
        "โดยรวมพึงพอใจต่อการปฏิบัติราชการนอกสถานที่",
        "Overall I am satisfied with telework",
    ),
    "S2": (
        ("official",),
        "งานที่ได้รับมอบหมายสำเร็จตามเป้าหมายในข้อตกลง",
        "I met the goals of my agreement",
    ),
    "S3": (
        ("official",),
        "ระบบเทคโนโลยีและช่องทางดิจิทัลของหน่วยงานเพียงพอต่อการทำงาน (§8.1)",
        "The agency's technology was enough to work (§8.1)",
    ),
    "S4": (
        ("official",),
        "ได้รับคำแนะนำและความช่วยเหลือด้านเทคโนโลยีเมื่อต้องการ (§9.2.5)",
        "I got technical help when I needed it (§9.2.5)",
    ),
    "S5": (
        ("supervisor",),
        "กำกับและติดตามงานของผู้ปฏิบัติราชการนอกสถานที่ได้อย่างมีประสิทธิภาพ (§9.2.4)",
        "I could follow my teleworking staff's work effectively (§9.2.4)",
    ),
    "S6": (
        ("supervisor",),
        "คุณภาพงานของผู้ปฏิบัติราชการนอกสถานที่ไม่ด้อยกว่าการปฏิบัติงานในสำนักงาน",
        "My teleworking staff's work was as good as in the office",
    ),
}
MIN_ANSWERS = 5  # fewer answers to a question show no figure (anonymity)

READINESS_VERSION = 1
# The agency's readiness (§8.1).
READINESS_ITEMS: dict[str, tuple[str, str]] = {
    "network": ("ระบบเครือข่ายและอินเทอร์เน็ตของหน่วยงาน", "the agency's network and internet"),
    "devices": ("อุปกรณ์คอมพิวเตอร์สำหรับผู้ปฏิบัติงาน", "computers for the staff"),
    "applications": (
        "ระบบงานและโปรแกรมประยุกต์ที่ใช้ได้จากนอกสำนักงาน",
        "applications usable from outside the office",
    ),
    "vpn": ("เครือข่ายส่วนตัวเสมือน (VPN) ที่ปลอดภัย", "a secure virtual private network (VPN)"),
    "secure_storage": (
        "ระบบจัดเก็บข้อมูลส่วนกลางที่มั่นคงปลอดภัย",
        "secure central storage of data",
    ),
    "helpdesk": (
        "ช่องทางให้คำแนะนำและแก้ไขปัญหาด้านเทคโนโลยี (§9.2.5)",
        "a technical help channel (§9.2.5)",
    ),
}

Mode = Literal[
    "car_gasoline", "car_diesel", "motorcycle", "bus", "rail", "walk_or_bicycle", "other"
]
MODE_NAMES: dict[str, tuple[str, str]] = {
    "car_gasoline": ("รถยนต์ (เบนซิน)", "car (petrol)"),
    "car_diesel": ("รถยนต์ (ดีเซล)", "car (diesel)"),
    "motorcycle": ("รถจักรยานยนต์", "motorcycle"),
    "bus": ("รถโดยสารประจำทาง", "bus"),
    "rail": ("รถไฟฟ้า/รถไฟ", "rail"),
    "walk_or_bicycle": ("เดินหรือจักรยาน", "walking or cycling"),
    "other": ("อื่น ๆ", "other"),
}
# g CO₂ per passenger-km. Only the cars have a source we could confirm (Bangkok driving cycle,
# MDPI Atmosphere 13(10):1588, see REFERENCES.md); the others count 0 until an agency sets
# its own factor, rather than a number nobody can trace.
EMISSION_G_PER_KM: dict[str, float] = {
    "car_gasoline": 171.01,
    "car_diesel": 182.53,
    "walk_or_bicycle": 0.0,
}
ROUND_TRIP_CAP_KM = 160.0  # a longer round trip is taken as this (outliers, REFERENCES.md)
