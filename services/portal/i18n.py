"""User-facing words, Thai first with English available."""

from datetime import date

from workflows.calendar import THAI_MONTHS, thai_date

WORDS: dict[str, dict[str, str]] = {
    "app": {"th": "ระบบปฏิบัติราชการนอกสถานที่", "en": "Telework"},
    "login": {"th": "เข้าสู่ระบบ", "en": "Sign in"},
    "logout": {"th": "ออกจากระบบ", "en": "Sign out"},
    # The yearly evaluation page (issue #18).
    "evaluation": {"th": "ผลการประเมินประจำปี", "en": "Yearly evaluation"},
    "home": {"th": "หน้าหลัก", "en": "Home"},
    "assign_unit": {"th": "มอบหมายทั้งหน่วยงาน (กรณีจำเป็น)", "en": "Assign a unit (necessity)"},
    "officials_optional": {
        "th": "เลขประจำตัว (เว้นว่าง = ทั้งหน่วยงาน)",
        "en": "Official ids (empty = the whole unit)",
    },
    "ready": {"th": "พร้อม", "en": "ready"},
    "save": {"th": "บันทึก", "en": "Save"},
    "send": {"th": "ส่ง", "en": "Send"},
    "survey": {"th": "แบบสำรวจความพึงพอใจ", "en": "Satisfaction survey"},
    "survey_note": {
        "th": "ไม่ระบุตัวตน ตอบได้ปีละครั้ง (1 = ไม่เห็นด้วยอย่างยิ่ง, 5 = เห็นด้วยอย่างยิ่ง)",
        "en": "Anonymous, once a year (1 = strongly disagree, 5 = strongly agree)",
    },
    "commute": {"th": "การเดินทางไป-กลับสำนักงาน", "en": "Commute"},
    "km_one_way": {"th": "ระยะทางเที่ยวเดียว (กม.)", "en": "One way (km)"},
    "minutes_one_way": {"th": "เวลาเที่ยวเดียว (นาที)", "en": "One way (minutes)"},
    "mode": {"th": "วิธีเดินทาง", "en": "Mode"},
    "agency": {"th": "หน่วยงาน", "en": "Agency"},
    "fiscal_year": {"th": "ปีงบประมาณ (พ.ศ.)", "en": "Fiscal year (B.E.)"},
    "roll_up": {"th": "แสดงหน่วยงานในสังกัดเคียงกัน", "en": "Sub-agencies side by side"},
    "show": {"th": "แสดง", "en": "Show"},
    "figures": {"th": "ผลการดำเนินงานและประโยชน์ที่ได้รับ", "en": "Figures and benefits"},
    "satisfaction": {"th": "ความพึงพอใจ (1–5)", "en": "Satisfaction (1–5)"},
    "question": {"th": "ข้อคำถาม", "en": "Question"},
    "mean": {"th": "ค่าเฉลี่ย", "en": "Mean"},
    "no_answers": {"th": "ยังไม่มีผู้ตอบ", "en": "No answers yet"},
    "readiness": {"th": "ความพร้อมด้านเทคโนโลยี", "en": "Technology readiness"},
    "not_recorded": {"th": "ยังไม่ได้บันทึก", "en": "not recorded"},
    "gaps": {"th": "ยังไม่พร้อม", "en": "gaps"},
    "table": {"th": "ตาราง", "en": "table"},
    "by_month": {"th": "วันปฏิบัติราชการนอกสถานที่รายเดือน", "en": "Telework days by month"},
    "by_division": {"th": "วันปฏิบัติราชการนอกสถานที่รายหน่วยงาน", "en": "Telework days by division"},
    "decision": {"th": "การตัดสินใจต่อนโยบาย", "en": "Decision on the policy"},
    "decision_continue": {"th": "ดำเนินการต่อ", "en": "continue"},
    "decision_change": {"th": "ปรับปรุงนโยบาย", "en": "change"},
    "email": {"th": "อีเมล", "en": "E-mail"},
    "password": {"th": "รหัสผ่าน", "en": "Password"},
    "csrf_refused": {
        "th": "แบบฟอร์มหมดอายุหรือไม่ได้มาจากหน้าของระบบ กรุณาลองใหม่",
        "en": "This form expired or did not come from this site; please try again",
    },
    "sign_in_agency": {
        "th": "เข้าสู่ระบบด้วยบัญชีของหน่วยงาน",
        "en": "Sign in with your agency account",
    },
    "password_demo_only": {
        "th": "การเข้าสู่ระบบด้วยรหัสผ่านมีเฉพาะในโหมดสาธิต",
        "en": "Password sign-in exists in demo mode only",
    },
    "oidc_not_set_up": {
        "th": "ยังไม่ได้ตั้งค่าการเข้าสู่ระบบด้วยบัญชีของหน่วยงาน กรุณาติดต่อฝ่ายเทคโนโลยีสารสนเทศ",
        "en": "Sign-in with the agency account is not set up; please contact IT support",
    },
    "oidc_state": {
        "th": "การเข้าสู่ระบบหมดอายุหรือไม่ได้เริ่มจากเบราว์เซอร์นี้ กรุณาเริ่มใหม่",
        "en": "This sign-in expired or was not started in this browser; please start again",
    },
    "oidc_refused": {
        "th": "ผู้ให้บริการยืนยันตัวตนของหน่วยงานไม่ยืนยันการเข้าสู่ระบบนี้ กรุณาเริ่มใหม่",
        "en": "The agency's identity provider did not confirm this sign-in; please start again",
    },
    "oidc_no_claim": {
        "th": "บัญชีของหน่วยงานไม่มีข้อมูลที่ใช้ระบุตัวข้าราชการ (หรือยังไม่ยืนยันอีเมล)",
        "en": "The agency account does not say which official it is (or its e-mail is unverified)",
    },
    "oidc_unavailable": {
        "th": "ผู้ให้บริการยืนยันตัวตนของหน่วยงานไม่ตอบสนอง กรุณาลองใหม่ภายหลัง",
        "en": "The agency's identity provider is not answering; please try again shortly",
    },
    "documents": {"th": "เอกสาร", "en": "Documents"},
    "notify_how": {"th": "ช่องทางการแจ้งเตือน", "en": "How you are told"},
    "notify_email": {"th": "อีเมล", "en": "E-mail"},
    "notify_inbox": {"th": "กล่องข้อความในระบบ", "en": "Inbox on the portal"},
    "notify_digest": {
        "th": "รวมอีเมลเป็นสรุปวันละครั้ง",
        "en": "One e-mail a day with everything",
    },
    "sick_leave": {"th": "วันลาป่วยประจำปี (จากระบบบุคลากร)", "en": "Sick leave of the year (HR)"},
    "sick_leave_file": {
        "th": "ไฟล์ CSV (official_id,days)",
        "en": "CSV file (official_id,days)",
    },
    "doc_order": {"th": "คำสั่ง", "en": "Order"},
    "doc_agreement": {"th": "ข้อตกลง", "en": "Agreement"},
    "doc_termination": {"th": "การยุติ", "en": "Termination"},
    "doc_assessment": {"th": "ผลการประเมิน", "en": "Assessment"},
    "imported": {"th": "นำเข้าข้อมูลแล้ว", "en": "Imported"},
    "help_sent": {"th": "ส่งคำขอความช่วยเหลือแล้ว", "en": "Help request sent"},
    "policy_published": {"th": "ประกาศนโยบายแล้ว", "en": "Policy published"},
    "demo_hint": {
        "th": "โหมดสาธิต: บัญชีทดลองใช้รหัสผ่าน demo",
        "en": "Demo mode: demo accounts use the password demo",
    },
    "my_engagements": {"th": "เรื่องของฉัน", "en": "My engagements"},
    "to_act": {"th": "เรื่องที่รอดำเนินการ", "en": "Waiting for you"},
    "apply": {"th": "สมัครปฏิบัติราชการนอกสถานที่", "en": "Apply to telework"},
    "assign": {"th": "มอบหมายให้ปฏิบัติราชการนอกสถานที่ (เหตุจำเป็น)", "en": "Assign telework (necessity)"},
    "check_in": {"th": "ลงเวลาเริ่มงาน", "en": "Check in"},
    "check_out": {"th": "ลงเวลาเลิกงาน", "en": "Check out"},
    "state": {"th": "สถานะ", "en": "State"},
    "official": {"th": "ข้าราชการ", "en": "Official"},
    "order": {"th": "คำสั่ง", "en": "Order"},
    "period": {"th": "ระยะเวลา", "en": "Period"},
    "submit": {"th": "บันทึก", "en": "Submit"},
    "help": {"th": "ขอความช่วยเหลือด้านไอที", "en": "Ask IT support"},
    "inbox": {"th": "การแจ้งเตือน", "en": "Notifications"},
    "history": {"th": "ประวัติ", "en": "History"},
    "select": {"th": "คัดเลือก", "en": "Select"},
    "draft": {"th": "จัดทำร่างข้อตกลง", "en": "Draft the agreement"},
    "accept": {"th": "ยอมรับข้อตกลง", "en": "Accept the agreement"},
    "request_changes": {"th": "ขอแก้ไข", "en": "Request changes"},
    "propose": {"th": "เสนอหัวหน้าส่วนราชการ", "en": "Propose to the head"},
    "issue_order": {"th": "ออกคำสั่ง", "en": "Issue the order"},
    "refuse_order": {"th": "ไม่อนุญาต", "en": "Refuse"},
    "report": {"th": "รายงานความก้าวหน้า", "en": "Report progress"},
    "review": {"th": "ตรวจรายงาน", "en": "Review report"},
    "propose_termination": {"th": "เสนอยุติการปฏิบัติราชการนอกสถานที่", "en": "Propose termination"},
    "withdraw": {"th": "ยุติการอนุญาต", "en": "Withdraw permission"},
    "keep": {"th": "ไม่ยุติ", "en": "Keep permission"},
    "final_report": {"th": "รายงานผลการปฏิบัติงาน", "en": "Final report"},
    "assess": {"th": "ประเมินผลตามเป้าหมาย", "en": "Assess goals"},
    "report_to_head": {"th": "รายงานผลต่อหัวหน้าส่วนราชการ", "en": "Report to the head"},
    "reasons": {"th": "เหตุผล", "en": "Reasons"},
    "evidence": {"th": "หลักฐาน", "en": "Evidence"},
    "ethics": {
        "th": "ข้าพเจ้ารับทราบแนวทางจริยธรรม (ข้อ 10) และมาตรการรักษาความปลอดภัย",
        "en": "I acknowledge the ethics guideline (§10) and the security rules",
    },
    "goal": {"th": "เป้าหมาย", "en": "Goal"},
    "target": {"th": "ค่าเป้าหมาย", "en": "Target"},
    "due": {"th": "กำหนดเสร็จ", "en": "Due"},
    "weekdays": {"th": "วันปฏิบัติงานนอกสถานที่ (เช่น mon,thu)", "en": "Weekdays (e.g. mon,thu)"},
    "months": {"th": "จำนวนเดือน", "en": "Months"},
    "start": {"th": "วันเริ่ม", "en": "Start"},
    "comment": {"th": "ความเห็น", "en": "Comment"},
    "summary": {"th": "สรุปผลงาน", "en": "Summary"},
    "achieved": {"th": "บรรลุ", "en": "achieved"},
    "partly": {"th": "บรรลุบางส่วน", "en": "partly"},
    "not_achieved": {"th": "ไม่บรรลุ", "en": "not achieved"},
    "chain": {"th": "ความถูกต้องของห่วงโซ่เหตุการณ์", "en": "Audit chain"},
    "eligibility": {"th": "สิทธิปฏิบัติราชการนอกสถานที่", "en": "Eligibility"},
    "nothing": {"th": "ไม่มีรายการ", "en": "Nothing here"},
    "checked_in_at": {"th": "ลงเวลาแล้วเมื่อ", "en": "Checked in at"},
    "day_part": {"th": "ช่วงเวลา", "en": "Part of the day"},
    "agreement": {"th": "ข้อตกลงฉบับที่", "en": "Agreement, version"},
    "telework_days": {"th": "วันปฏิบัติราชการนอกสถานที่", "en": "telework days"},
    "deactivate": {"th": "พ้นจากหน่วยงาน", "en": "Has left"},
    "deactivated": {"th": "บันทึกการพ้นจากหน่วยงานแล้ว", "en": "Recorded as having left"},
    "confirm_left": {
        "th": "ยืนยันว่าพ้นจากหน่วยงานแล้ว (ยกเลิกสิทธิ์และการเข้าสู่ระบบ)",
        "en": "Confirm this official has left (roles and sign-in end)",
    },
    "rule_set": {"th": "หลักเกณฑ์ที่ใช้", "en": "Rules"},
    "min_office_days": {"th": "วันมาสำนักงานขั้นต่ำต่อสัปดาห์", "en": "Office days a week, at least"},
    "notice_days": {"th": "ยื่นคำขอล่วงหน้า (วันทำการ)", "en": "Notice (working days)"},
    "half_days": {"th": "อนุญาตครึ่งวัน (เช้า/บ่าย)", "en": "Half days allowed (morning/afternoon)"},
    "location_evidence": {
        "th": "รับตำแหน่งโดยประมาณเมื่อลงเวลา (ไม่บังคับ)",
        "en": "Accept an approximate location at check-in (optional)",
    },
    "work_location": {"th": "สถานที่ปฏิบัติงาน", "en": "Place of work"},
    "share_location": {
        "th": "แนบตำแหน่งโดยประมาณ (ไม่บังคับ เก็บเฉพาะเมื่อนโยบายของหน่วยงานกำหนด ละเอียดราว 1 กม.)",
        "en": "Share my approximate location (optional; kept only where the agency's policy "
        "says so, to about 1 km)",
    },
    "checked_out_at": {"th": "ลงเวลาออกแล้วเมื่อ", "en": "Checked out at"},
    "optional": {"th": "ถ้ามี", "en": "optional"},
    "indicator": {"th": "ตัวชี้วัด", "en": "Indicator"},
    "indicator_percent": {"th": "ร้อยละ", "en": "percent"},
    "indicator_number": {"th": "จำนวน", "en": "number"},
    "indicator_text": {"th": "ผลงาน (ข้อความ)", "en": "deliverable (text)"},
    "indicator_date": {"th": "วันที่แล้วเสร็จ", "en": "completion date"},
    "result": {"th": "ผล", "en": "Result"},
    "late": {"th": "ส่งช้า", "en": "late"},
    "report_due": {"th": "ถึงกำหนดส่ง", "en": "due"},
    "report_missing": {"th": "เลยกำหนด ยังไม่ส่ง", "en": "overdue, not sent"},
    "report_submitted": {"th": "ส่งแล้ว", "en": "submitted"},
    "report_late": {"th": "ส่งช้า", "en": "sent late"},
    "details": {"th": "รายละเอียด", "en": "Details"},
    "calendar": {"th": "ปฏิทินวันปฏิบัติราชการนอกสถานที่", "en": "Telework days"},
    "reports": {"th": "รายงานความก้าวหน้า", "en": "Progress reports"},
    "reviewed": {"th": "ผลการตรวจ", "en": "Review"},
    "not_reviewed": {"th": "ยังไม่ได้ตรวจ", "en": "not reviewed yet"},
    "assessments": {"th": "ผลการประเมินตามเป้าหมาย", "en": "Assessment by goal"},
    "back_home": {"th": "กลับหน้าหลัก", "en": "Back to the home page"},
    "tasks": {"th": "งานที่ต้องทำ", "en": "Your tasks"},
    "saved": {"th": "บันทึกแล้ว", "en": "Saved"},
    "my_staff": {"th": "ผู้ใต้บังคับบัญชา", "en": "My staff"},
    "current_case": {"th": "เรื่องที่ดำเนินอยู่", "en": "Open case"},
    "no_case": {"th": "ไม่มี", "en": "none"},
    "meetings": {"th": "การประชุมผ่านสื่ออิเล็กทรอนิกส์", "en": "Electronic meetings"},
    "plan_meeting": {
        "th": "วางแผนการประชุมและตรวจตามกฎหมาย",
        "en": "Plan a meeting and check it against the law",
    },
    "meeting_id": {"th": "รหัสการประชุม", "en": "Meeting id"},
    "title": {"th": "เรื่อง", "en": "Title"},
    "time": {"th": "เวลา", "en": "Time"},
    "meeting_kind": {"th": "ประเภทการประชุม", "en": "Kind of meeting"},
    "kind_committee": {"th": "คณะกรรมการทั่วไป", "en": "a committee"},
    "kind_parliament": {"th": "สภา", "en": "parliament"},
    "kind_court_judgment": {"th": "ศาลพิจารณาพิพากษา", "en": "a court's judgment"},
    "kind_procurement": {"th": "จัดซื้อจัดจ้าง", "en": "procurement"},
    "classified": {"th": "มีเรื่องลับ", "en": "classified matters"},
    "members_total": {"th": "จำนวนกรรมการทั้งหมด", "en": "Members in all"},
    "recording_kind": {"th": "การบันทึก", "en": "Recording"},
    "rec_none": {"th": "ไม่บันทึก", "en": "none"},
    "rec_audio": {"th": "เสียง", "en": "audio"},
    "rec_audio_video": {"th": "เสียงและภาพ", "en": "audio and video"},
    "secret_meeting": {"th": "การประชุมลับ", "en": "a secret meeting"},
    "traffic_kept": {"th": "เก็บข้อมูลจราจรทางคอมพิวเตอร์", "en": "traffic data kept"},
    "identity_checked": {
        "th": "ตรวจสอบตัวตนผู้เข้าร่วมทุกคนก่อนประชุม",
        "en": "every participant's identity checked first",
    },
    "attendees_lines": {
        "th": "ผู้เข้าประชุม บรรทัดละคน: ชื่อ, สถานที่ (หรือ ออนไลน์)[, ต่างประเทศ]",
        "en": "Attendees, one a line: name, venue (or remote)[, abroad]",
    },
    "lawful": {"th": "เป็นไปตามกฎหมาย", "en": "lawful"},
    "unlawful": {"th": "ไม่เป็นไปตามกฎหมาย", "en": "not lawful"},
    "rule_set_used": {"th": "หลักเกณฑ์ที่ใช้", "en": "Rule set"},
    "quorum": {"th": "องค์ประชุม", "en": "Quorum"},
    "record_attendance": {"th": "บันทึกการเข้า-ออกการประชุม", "en": "Record who joined or left"},
    "joined": {"th": "เข้าร่วม", "en": "joined"},
    "left_meeting": {"th": "ออกจากการประชุม", "en": "left"},
    "in_person": {"th": "ในที่ประชุม", "en": "in person"},
    "remote": {"th": "ทางไกล", "en": "remote"},
    "venue": {"th": "สถานที่", "en": "Venue"},
    "abroad": {"th": "อยู่ต่างประเทศ", "en": "abroad"},
    "check_as_held": {"th": "ตรวจการประชุมตามที่จัดจริง", "en": "Check the meeting as held"},
    "effective_date": {"th": "มีผลวันที่", "en": "Effective on"},
    "search": {"th": "ค้นหา", "en": "Search"},
    "search_hint": {"th": "ชื่อ รหัสข้าราชการ หรือเลขเรื่อง", "en": "name, official id or case id"},
    "roles": {"th": "บทบาทและผู้รักษาราชการแทน", "en": "Roles and acting heads"},
    "role": {"th": "บทบาท", "en": "Role"},
    "grant_role": {"th": "มอบบทบาท", "en": "Grant a role"},
    "revoke": {"th": "ยกเลิก", "en": "Revoke"},
    "acting_head": {"th": "แต่งตั้งผู้รักษาราชการแทน", "en": "Appoint an acting head"},
    "end_acting": {"th": "สิ้นสุดการรักษาราชการแทน", "en": "End the acting appointment"},
    "valid_until": {"th": "ถึงวันที่", "en": "Until"},
    "acting_mark": {"th": "รักษาราชการแทน", "en": "acting"},
    "role_supervisor": {"th": "ผู้บังคับบัญชา", "en": "supervisor"},
    "role_hr_officer": {"th": "เจ้าหน้าที่บุคคล", "en": "HR officer"},
    "role_it_support": {"th": "เจ้าหน้าที่ไอที", "en": "IT support"},
    "role_auditor": {"th": "ผู้ตรวจสอบ", "en": "auditor"},
    "role_system_admin": {"th": "ผู้ดูแลระบบ", "en": "system administrator"},
    "role_head_of_agency": {"th": "หัวหน้าส่วนราชการ", "en": "head of agency"},
    "topic": {"th": "หัวข้อ", "en": "Topic"},
    "detail": {"th": "รายละเอียด", "en": "Detail"},
    "import_hr_file": {"th": "นำเข้าข้อมูลบุคลากร", "en": "Import the HR file"},
    "import": {"th": "นำเข้า", "en": "Import"},
    "check_import": {"th": "ตรวจสอบก่อนนำเข้า", "en": "Check before importing"},
    "import_preview": {"th": "ผลการตรวจไฟล์นำเข้า", "en": "Import check"},
    "encoding": {"th": "การเข้ารหัสอักษร", "en": "Encoding"},
    "file": {"th": "ไฟล์", "en": "File"},
    "would_change": {"th": "สิ่งที่จะเปลี่ยน", "en": "What would change"},
    "refused_rows": {"th": "แถวที่ไม่ผ่าน", "en": "Refused rows"},
    "nothing_applied": {
        "th": "ยังไม่ได้นำเข้าสิ่งใด แก้ไขไฟล์แล้วตรวจใหม่",
        "en": "Nothing was imported; correct the files and check again",
    },
    "import_these": {"th": "นำเข้าตามที่ตรวจแล้ว", "en": "Import these files"},
    "where": {"th": "ตำแหน่ง", "en": "Where"},
    "publish_policy": {"th": "ประกาศนโยบาย", "en": "Publish policy"},
    "effective_from": {"th": "มีผลตั้งแต่", "en": "Effective from"},
    "report_every_days": {"th": "รอบรายงาน (วัน)", "en": "Report every (days)"},
    "grace_days": {"th": "ระยะผ่อนผัน (วัน)", "en": "Grace (days)"},
    "max_days_a_week": {"th": "สูงสุดต่อสัปดาห์", "en": "Max days a week"},
    "publish": {"th": "ประกาศ", "en": "Publish"},
    "one_order_for_several": {"th": "ออกคำสั่งฉบับเดียวหลายเรื่อง", "en": "One order for several"},
    "dashboard": {"th": "ภาพรวมส่วนราชการ", "en": "Agency dashboard"},
    "audit": {"th": "ตรวจสอบประวัติ", "en": "Audit"},
    "chain_holds": {"th": "ห่วงโซ่ถูกต้อง ตรวจแล้ว", "en": "The chain holds; records checked:"},
    "chain_broken": {"th": "ห่วงโซ่ไม่ถูกต้องที่ตำแหน่ง", "en": "The chain breaks at position"},
    "replay": {"th": "ย้อนดูเหตุการณ์", "en": "Replay"},
    "event": {"th": "เหตุการณ์", "en": "Event"},
    "when": {"th": "เมื่อ", "en": "When"},
    "position": {"th": "ลำดับ", "en": "Position"},
    "about": {"th": "เรื่อง", "en": "About"},
    "teleworking_today": {"th": "ปฏิบัติราชการนอกสถานที่วันนี้", "en": "Teleworking today"},
    "division": {"th": "หน่วยงาน", "en": "Division"},
    "cases": {"th": "จำนวนเรื่อง", "en": "Cases"},
    "late_reports": {"th": "รายงานส่งช้า", "en": "Late reports"},
    "missing_reports": {"th": "รายงานค้างส่ง", "en": "Missing reports"},
    "in_all": {"th": "รวม", "en": "In all"},
    "support_queue": {"th": "คำขอความช่วยเหลือด้านไอที", "en": "IT help requests"},
    "my_requests": {"th": "คำขอความช่วยเหลือของฉัน", "en": "My help requests"},
    "take": {"th": "รับเรื่อง", "en": "Take"},
    "answer": {"th": "ตอบ", "en": "Answer"},
    "close_request": {"th": "ปิดเรื่อง", "en": "Close"},
    "resolution": {"th": "ผลการแก้ไข", "en": "Resolution"},
    "help_open": {"th": "รอรับเรื่อง", "en": "open"},
    "help_taken": {"th": "กำลังดำเนินการ", "en": "in hand"},
    "help_closed": {"th": "ปิดแล้ว", "en": "closed"},
    "all": {"th": "ทั้งหมด", "en": "All"},
    "no_requests": {"th": "ไม่มีคำขอ", "en": "No requests"},
    "taken_by": {"th": "ผู้รับเรื่อง", "en": "Taken by"},
    "ledger": {"th": "บัญชีลงเวลาปฏิบัติราชการ", "en": "Attendance ledger"},
    "from": {"th": "ตั้งแต่", "en": "From"},
    "to": {"th": "ถึง", "en": "To"},
    "show_ledger": {"th": "แสดง", "en": "Show"},
    "download_csv": {"th": "ดาวน์โหลด CSV (Excel)", "en": "Download CSV (Excel)"},
    "no_rows": {"th": "ไม่มีรายการในช่วงนี้", "en": "No rows in this period"},
    "telework_day": {"th": "วันปฏิบัติราชการนอกสถานที่", "en": "Telework day"},
    "check_in_time": {"th": "เวลาเริ่ม", "en": "In"},
    "check_out_time": {"th": "เวลาเลิก", "en": "Out"},
    "channel": {"th": "ช่องทาง", "en": "Channel"},
    "flags": {"th": "ข้อสังเกต", "en": "Flags"},
    "yes": {"th": "ใช่", "en": "yes"},
    "no_tasks": {"th": "ไม่มีงานค้าง", "en": "Nothing waits for you"},
    "closed_cases": {"th": "เรื่องที่ปิดแล้ว", "en": "Closed cases"},
    "task_decide_termination": {
        "th": "พิจารณาข้อเสนอให้ยุติ",
        "en": "Decide on the proposed termination",
    },
    "task_decide_order": {"th": "พิจารณาออกคำสั่ง", "en": "Decide on the order"},
    "task_review": {"th": "ตรวจรายงานความก้าวหน้า", "en": "Review a progress report"},
    "task_assess": {"th": "ประเมินผลตามเป้าหมาย", "en": "Assess the goals"},
    "task_report_to_head": {"th": "รายงานผลต่อหัวหน้าส่วนราชการ", "en": "Report to the head"},
    "task_propose": {"th": "เสนอหัวหน้าส่วนราชการ", "en": "Propose to the head"},
    "task_select": {"th": "คัดเลือกผู้ปฏิบัติงาน", "en": "Select the official"},
    "task_draft": {"th": "จัดทำร่างข้อตกลง", "en": "Draft the agreement"},
    "task_accept": {"th": "อ่านและยอมรับข้อตกลง", "en": "Read and accept the agreement"},
    "task_report": {"th": "ส่งรายงานความก้าวหน้า", "en": "Send a progress report"},
    "task_final_report": {"th": "ส่งรายงานผลการปฏิบัติงาน", "en": "Send the final report"},
}

# Month names for the B.E. calendar of an engagement's telework days (Thai: the calendar's own).
MONTHS = {
    "th": THAI_MONTHS,
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

STATES = {
    "awaiting_selection": ("รอผู้บังคับบัญชาคัดเลือก", "awaiting selection"),
    "checking_eligibility": ("กำลังตรวจสอบลักษณะงาน", "checking eligibility"),
    "drafting": ("จัดทำข้อตกลง", "drafting the agreement"),
    "agreed": ("ตกลงแล้ว รอเสนอ", "agreed, to propose"),
    "proposed": ("รอหัวหน้าส่วนราชการพิจารณา", "with the head of agency"),
    "ordered": ("มีคำสั่งแล้ว รอวันเริ่ม", "ordered, not started"),
    "active": ("กำลังปฏิบัติราชการนอกสถานที่", "teleworking"),
    "final_report_due": ("รอรายงานผล", "final report due"),
    "assessment": ("รอประเมินผล", "to assess"),
    "assessed": ("ประเมินแล้ว รอรายงานหัวหน้า", "assessed, to report"),
    "closed": ("ปิดเรื่อง", "closed"),
}


ALLOWANCES = {
    "may": ("ปฏิบัติราชการนอกสถานที่ได้", "may telework"),
    "partly": ("ได้บางส่วน", "partly"),
    "may_not": ("ไม่ได้", "may not"),
}


def allowance_text(status: str, lang: str) -> str:
    words = ALLOWANCES.get(status)
    return status if words is None else words[0 if lang == "th" else 1]


def rule_text(rule: str, lang: str) -> str:
    """Identity's rule ids ("policy ONDE v3 §3.1.3", "no-policy" …) as people read them."""
    import re

    if rule == "no-policy":
        return "ยังไม่มีนโยบาย" if lang == "th" else "no policy yet"
    if rule == "undetermined":
        return "ยังไม่ได้พิจารณา" if lang == "th" else "not yet determined"
    if lang != "th":
        return rule
    if m := re.fullmatch(r"policy (\S+) v(\d+) (.*)", rule):
        return f"นโยบาย {m[1]} ฉบับที่ {m[2]} {m[3]}"
    if m := re.fullmatch(r"position partly (.*)", rule):
        return f"ตำแหน่งที่ปฏิบัติได้บางส่วน {m[1]}"
    return rule


def t(key: str, lang: str) -> str:
    return WORDS.get(key, {}).get(lang) or WORDS.get(key, {}).get("th", key)


def state_name(state: str, lang: str) -> str:
    th, en = STATES.get(state, (state, state))
    return th if lang == "th" else en


def show_date(day: date | str | None, lang: str) -> str:
    if day is None:
        return "-"
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return thai_date(day) if lang == "th" else day.isoformat()


# The engagement workflow refuses in English (its messages are recorded in histories and must
# not change); people read them in Thai first, with the English kept.
REFUSALS_TH: list[tuple[str, str]] = [
    (r"^(\S+) is not the head of agency (\S+) today$",
     r"\1 ไม่ใช่ผู้มีอำนาจสั่งของส่วนราชการ \2 ในวันนี้ (อาจมีผู้รักษาราชการแทน)"),
    (r"^(\S+) is not a supervisor of (\S+)$", r"\1 ไม่ใช่ผู้บังคับบัญชาของ \2"),
    (r"^(\S+) is not the first-level supervisor of (\S+), nor acting for one today$",
     r"\1 ไม่ใช่ผู้บังคับบัญชาชั้นต้นของ \2 และไม่ได้ปฏิบัติหน้าที่แทนในวันนี้"),
    (r"^(\S+) is not a supervisor of (\S+), nor acting for one today$",
     r"\1 ไม่ใช่ผู้บังคับบัญชาของ \2 และไม่ได้ปฏิบัติหน้าที่แทนในวันนี้"),
    (r"^only the official (\S+) may do this$", r"เฉพาะข้าราชการ \1 เท่านั้นที่ทำได้"),
    (r"^not possible while the engagement is (\S+)$", r"ทำไม่ได้ในขณะที่เรื่องอยู่ในสถานะ \1"),
    (r"^no progress report is due yet$", "ยังไม่ถึงกำหนดส่งรายงานความก้าวหน้า"),
    (r"^the (.+) is empty$", r"ยังไม่ได้กรอกเนื้อหา"),
    (r"^goal (\S+) is due on (\S+), before the telework starts$",
     r"เป้าหมาย \1 กำหนดเสร็จ \2 ก่อนวันเริ่มปฏิบัติงานนอกสถานที่"),
    (r"^goal (\S+) has no description$", r"เป้าหมาย \1 ยังไม่มีรายละเอียด"),
    (r"^a refusal must give its reasons$", "การไม่อนุญาตต้องระบุเหตุผล"),
    (r"^both parties must accept the same agreement version first.*$",
     "ทั้งสองฝ่ายต้องยอมรับข้อตกลงฉบับเดียวกันก่อน"),
    (r"exceed the", "เกินกว่าที่นโยบายกำหนด"),
    (r"before today", "วันเริ่มต้นต้องไม่ก่อนวันนี้"),
]  # fmt: skip


def refusal_text(reason: str) -> str:
    """'Thai / English' for a workflow's refusal; a generic Thai lead when none matches."""
    import re

    reason = reason.removeprefix("Refused: ").strip()
    for pattern, thai in REFUSALS_TH:
        if re.search(pattern, reason):
            said = re.sub(pattern, thai, reason) if pattern.startswith("^") else thai
            return f"{said} / {reason}"
    return f"ดำเนินการไม่ได้ / refused: {reason}"


def event_text(name: str, lang: str) -> str:
    """An engagement event's name as people read it (issue #16: not `agreement_drafted`), from
    the published catalogue's own Thai and English summaries."""
    from contracts.events.base import event_types

    for cls in event_types().values():
        if cls.context == "engagement" and cls.name == name:
            return str(cls.summary_th if lang == "th" else cls.summary_en)
    return name


def type_text(event_type: str, lang: str) -> str:
    """Any published event, by its CloudEvents type, as people read it (the auditor's page)."""
    from contracts.events.base import event_types

    cls = event_types().get(event_type)
    if cls is None:
        return event_type
    return str(cls.summary_th if lang == "th" else cls.summary_en)
