"""The checklists a supervisor records at selection (R-SEL-2): the official's traits (seed §4)
and readiness (seed §8.2). Published with the contracts: events carry these ids, and HR
systems read them with their Thai and English wording."""

TRAITS: dict[str, tuple[str, str]] = {
    "responsible": (
        "มีความรับผิดชอบสูง มีวินัย และมีศักยภาพในการทำงานให้บรรลุเป้าหมาย (§4)",
        "responsible, disciplined, able to reach the goals (§4)",
    ),
    "little_supervision": (
        "ปฏิบัติงานในหน้าที่ได้โดยต้องการการกำกับดูแลน้อย (§4)",
        "does the work with little supervision (§4)",
    ),
    "digitally_ready": (
        "เข้าถึงและใช้งานเทคโนโลยีดิจิทัลได้สม่ำเสมอ มีทักษะการทำงานผ่านช่องทางดิจิทัล (§4)",
        "uses digital technology regularly and works well through digital channels (§4)",
    ),
}

READINESS: dict[str, tuple[str, str]] = {
    "internet": (
        "อินเทอร์เน็ตความเร็วสูง (ใยแก้วนำแสง หรือ mobile broadband) (§8.2 (1))",
        "high-speed internet: fibre or mobile broadband (§8.2 (1))",
    ),
    "device": (
        "อุปกรณ์คอมพิวเตอร์ แท็บเล็ต หรือโทรศัพท์ พร้อมกล้อง หูฟัง และลำโพง (§8.2 (2))",
        "a computer, tablet or phone with camera, headset and speaker (§8.2 (2))",
    ),
    "applications": (
        "โปรแกรมสำนักงานออนไลน์ การประชุมออนไลน์ และการทำงานร่วมกัน (§8.2 (3))",
        "online office, meeting and collaboration applications (§8.2 (3))",
    ),
}


def unknown(ids: list[str], catalogue: dict[str, tuple[str, str]]) -> list[str]:
    return [i for i in ids if i not in catalogue]
