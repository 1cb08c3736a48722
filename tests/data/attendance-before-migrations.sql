-- An attendance database made by the schema before migrations (create_all at commit 1ce8ff5),
-- with data: tests/integration/test_migrations.py upgrades it and checks nothing was lost.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE event_log (
	position INTEGER NOT NULL, 
	event_id VARCHAR(200) NOT NULL, 
	stream_id VARCHAR(200) NOT NULL, 
	version INTEGER NOT NULL, 
	type VARCHAR(200) NOT NULL, 
	agency VARCHAR(64) NOT NULL, 
	subject VARCHAR(300) NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	envelope TEXT NOT NULL, 
	PRIMARY KEY (position), 
	CONSTRAINT uq_event_log_stream_version UNIQUE (stream_id, version), 
	UNIQUE (event_id)
);
INSERT INTO event_log VALUES(1,'ev-1','attendance-D0201-2026-11-23',1,'th.go.telework.attendance.checked_in.v1','ONDE-STRAT','telework.v1.ONDE-STRAT.attendance.checked_in','2026-11-23 01:55:00.000000','{"specversion":"1.0","id":"ev-1"}');
INSERT INTO event_log VALUES(2,'ev-2','attendance-D0202-2026-11-23',1,'th.go.telework.attendance.checked_in.v1','ONDE-STRAT','telework.v1.ONDE-STRAT.attendance.checked_in','2026-11-23 02:31:00.000000','{"specversion":"1.0","id":"ev-2"}');
CREATE TABLE outbox (
	position INTEGER NOT NULL, 
	event_id VARCHAR(200) NOT NULL, 
	stream_id VARCHAR(200) NOT NULL, 
	subject VARCHAR(300) NOT NULL, 
	envelope TEXT NOT NULL, 
	PRIMARY KEY (position)
);
INSERT INTO outbox VALUES(2,'ev-2','attendance-D0202-2026-11-23','telework.v1.ONDE-STRAT.attendance.checked_in','{"specversion":"1.0","id":"ev-2"}');
CREATE TABLE inbox (
	consumer VARCHAR(100) NOT NULL, 
	event_id VARCHAR(200) NOT NULL, 
	processed_at DATETIME NOT NULL, 
	PRIMARY KEY (consumer, event_id)
);
INSERT INTO inbox VALUES('attendance','eng-ev-9','2026-11-22 03:00:00.000000');
CREATE TABLE probe (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE att_officials (
	official_id VARCHAR(64) NOT NULL, 
	agency_code VARCHAR(64) NOT NULL, 
	PRIMARY KEY (official_id)
);
INSERT INTO att_officials VALUES('D0201','ONDE-STRAT');
INSERT INTO att_officials VALUES('D0202','ONDE-STRAT');
INSERT INTO att_officials VALUES('D0203','ONDE-STRAT');
CREATE TABLE att_agencies (
	code VARCHAR(64) NOT NULL, 
	parent_code VARCHAR(64), 
	PRIMARY KEY (code)
);
INSERT INTO att_agencies VALUES('ONDE',NULL);
INSERT INTO att_agencies VALUES('ONDE-STRAT','ONDE');
CREATE TABLE att_policies (
	agency_code VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	document JSON NOT NULL, 
	PRIMARY KEY (agency_code, version)
);
CREATE TABLE scheduled_days (
	official_id VARCHAR(64) NOT NULL, 
	day DATE NOT NULL, 
	engagement_id VARCHAR(100) NOT NULL, 
	agency_code VARCHAR(64) NOT NULL, 
	PRIMARY KEY (official_id, day)
);
INSERT INTO scheduled_days VALUES('D0201','2026-11-23','ENG-1','ONDE-STRAT');
INSERT INTO scheduled_days VALUES('D0202','2026-11-23','ENG-2','ONDE-STRAT');
INSERT INTO scheduled_days VALUES('D0203','2026-11-23','ENG-3','ONDE-STRAT');
CREATE TABLE scheduled_parts (
	official_id VARCHAR(64) NOT NULL, 
	day DATE NOT NULL, 
	engagement_id VARCHAR(100) NOT NULL, 
	part VARCHAR(10) NOT NULL, 
	PRIMARY KEY (official_id, day)
);
CREATE TABLE attendance_days (
	official_id VARCHAR(64) NOT NULL, 
	day DATE NOT NULL, 
	agency_code VARCHAR(64) NOT NULL, 
	scheduled BOOLEAN NOT NULL, 
	engagement_id VARCHAR(100), 
	check_in_at DATETIME NOT NULL, 
	check_in_channel VARCHAR(10) NOT NULL, 
	check_out_at DATETIME, 
	check_out_channel VARCHAR(10), 
	client_ip VARCHAR(64), 
	client_location VARCHAR(64), 
	PRIMARY KEY (official_id, day)
);
INSERT INTO attendance_days VALUES('D0201','2026-11-23','ONDE-STRAT',1,'ENG-1','2026-11-23 01:55:00.000000','web','2026-11-23 09:40:00.000000','web',NULL,NULL);
INSERT INTO attendance_days VALUES('D0202','2026-11-23','ONDE-STRAT',1,'ENG-2','2026-11-23 02:31:00.000000','mobile',NULL,NULL,NULL,'13.75,100.52');
CREATE TABLE attendance_flags (
	official_id VARCHAR(64) NOT NULL, 
	day DATE NOT NULL, 
	flag VARCHAR(30) NOT NULL, 
	reason VARCHAR(500) NOT NULL, 
	PRIMARY KEY (official_id, day, flag)
);
INSERT INTO attendance_flags VALUES('D0202','2026-11-23','late','checked in after 09:00');
INSERT INTO attendance_flags VALUES('D0203','2026-11-23','missing','no check-in on a telework day');
CREATE TABLE attendance_idempotency (
	official_id VARCHAR(64) NOT NULL, 
	"key" VARCHAR(100) NOT NULL, 
	response JSON NOT NULL, 
	PRIMARY KEY (official_id, "key")
);
CREATE TABLE attendance_closed_days (
	day DATE NOT NULL, 
	closed_at DATETIME NOT NULL, 
	PRIMARY KEY (day)
);
CREATE INDEX ix_att_officials_agency_code ON att_officials (agency_code);
CREATE INDEX ix_scheduled_days_engagement_id ON scheduled_days (engagement_id);
CREATE INDEX ix_scheduled_days_agency_code ON scheduled_days (agency_code);
CREATE INDEX ix_scheduled_parts_engagement_id ON scheduled_parts (engagement_id);
CREATE INDEX ix_attendance_days_agency_code ON attendance_days (agency_code);
COMMIT;
