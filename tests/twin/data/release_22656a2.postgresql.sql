-- The database of release 22656a2 (before migrations), PostgreSQL: the DDL its
-- create_all issued, the alert lock's row, an API key and a finished run.
CREATE TABLE alert_issue_lock (
	id SERIAL NOT NULL, 
	issuances INTEGER NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE alert_messages (
	identifier VARCHAR(200) NOT NULL, 
	seq INTEGER NOT NULL, 
	sender VARCHAR(200) NOT NULL, 
	sent TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	msg_type VARCHAR(20) NOT NULL, 
	area_key VARCHAR(500) NOT NULL, 
	chain VARCHAR(200) NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	"references" TEXT NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	expires TIMESTAMP WITHOUT TIME ZONE, 
	severity VARCHAR(20) NOT NULL, 
	urgency VARCHAR(20) NOT NULL, 
	certainty VARCHAR(20) NOT NULL, 
	headline_vi TEXT NOT NULL, 
	headline_en TEXT NOT NULL, 
	run_id VARCHAR(200), 
	xml TEXT NOT NULL, 
	PRIMARY KEY (identifier)
);

CREATE UNIQUE INDEX alert_one_active_per_area ON alert_messages (area_key, status) WHERE state = 'active';

CREATE INDEX ix_alert_messages_area_key ON alert_messages (area_key);

CREATE INDEX ix_alert_messages_chain ON alert_messages (chain);

CREATE INDEX ix_alert_messages_sent ON alert_messages (sent);

CREATE INDEX ix_alert_messages_seq ON alert_messages (seq);

CREATE INDEX ix_alert_messages_state ON alert_messages (state);

CREATE TABLE api_keys (
	key_id VARCHAR(8) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	token_sha256 VARCHAR(64) NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	revoked_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (key_id)
);

CREATE TABLE dispatch_calls (
	id SERIAL NOT NULL, 
	idempotency_key VARCHAR(200), 
	request_hash VARCHAR(64) NOT NULL, 
	phone VARCHAR(32) NOT NULL, 
	address TEXT NOT NULL, 
	x FLOAT, 
	y FLOAT, 
	lon FLOAT, 
	lat FLOAT, 
	ward_id VARCHAR(32), 
	location_label TEXT NOT NULL, 
	geocode_status VARCHAR(16) NOT NULL, 
	geocode JSON NOT NULL, 
	people INTEGER NOT NULL, 
	vulnerable JSON NOT NULL, 
	vulnerable_count INTEGER NOT NULL, 
	reported_water_m FLOAT, 
	notes TEXT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	team_id VARCHAR(64), 
	route JSON, 
	priority_score FLOAT NOT NULL, 
	priority JSON NOT NULL, 
	risk JSON NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	operator VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (idempotency_key)
);

CREATE INDEX ix_dispatch_calls_phone ON dispatch_calls (phone);

CREATE INDEX ix_dispatch_calls_status ON dispatch_calls (status);

CREATE TABLE dispatch_teams (
	team_id VARCHAR(64) NOT NULL, 
	name TEXT NOT NULL, 
	vehicle VARCHAR(16) NOT NULL, 
	capacity_persons INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	x FLOAT NOT NULL, 
	y FLOAT NOT NULL, 
	station_x FLOAT NOT NULL, 
	station_y FLOAT NOT NULL, 
	call_id INTEGER, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (team_id)
);

CREATE INDEX ix_dispatch_teams_status ON dispatch_teams (status);

CREATE TABLE light_status_overrides (
	light_id VARCHAR(40) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	service_request_id INTEGER, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (light_id)
);

CREATE TABLE runs (
	id VARCHAR(32) NOT NULL, 
	scenario VARCHAR(200) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	started TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	finished TIMESTAMP WITHOUT TIME ZONE, 
	out_dir TEXT NOT NULL, 
	summary_json TEXT NOT NULL, 
	error TEXT, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_runs_scenario ON runs (scenario);

CREATE TABLE sensor_batches (
	id SERIAL NOT NULL, 
	source VARCHAR(500) NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	ingested_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	now TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	counts_json TEXT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (sha256)
);

CREATE TABLE service_requests (
	id SERIAL NOT NULL, 
	service_code VARCHAR(40) NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	status_notes TEXT, 
	description TEXT, 
	lat FLOAT, 
	lon FLOAT, 
	address_string TEXT, 
	address_id VARCHAR(100), 
	email VARCHAR(200), 
	device_id VARCHAR(200), 
	account_id VARCHAR(200), 
	first_name VARCHAR(200), 
	last_name VARCHAR(200), 
	phone VARCHAR(50), 
	media_url TEXT, 
	attributes JSON NOT NULL, 
	light_id VARCHAR(40), 
	ward_id VARCHAR(20), 
	requested_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	expected_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_service_requests_requested_at ON service_requests (requested_at);

CREATE INDEX ix_service_requests_service_code ON service_requests (service_code);

CREATE INDEX ix_service_requests_status ON service_requests (status);

CREATE TABLE dispatch_call_events (
	id SERIAL NOT NULL, 
	call_id INTEGER NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	operator VARCHAR(64) NOT NULL, 
	from_status VARCHAR(16), 
	to_status VARCHAR(16) NOT NULL, 
	team_id VARCHAR(64), 
	note TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(call_id) REFERENCES dispatch_calls (id) ON DELETE CASCADE
);

CREATE INDEX ix_dispatch_call_events_call_id ON dispatch_call_events (call_id);

CREATE TABLE sensor_notes (
	id SERIAL NOT NULL, 
	batch_id INTEGER NOT NULL, 
	station_id VARCHAR(100) NOT NULL, 
	quantity VARCHAR(50) NOT NULL, 
	kind VARCHAR(30) NOT NULL, 
	start TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	"end" TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	detail TEXT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_sensor_note UNIQUE (station_id, quantity, kind, start, "end"), 
	FOREIGN KEY(batch_id) REFERENCES sensor_batches (id)
);

CREATE INDEX ix_sensor_notes_batch_id ON sensor_notes (batch_id);

CREATE INDEX ix_sensor_notes_station_id ON sensor_notes (station_id);

CREATE TABLE sensor_readings (
	id SERIAL NOT NULL, 
	batch_id INTEGER NOT NULL, 
	station_id VARCHAR(100) NOT NULL, 
	quantity VARCHAR(50) NOT NULL, 
	time TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	value FLOAT, 
	unit VARCHAR(20) NOT NULL, 
	value_raw FLOAT NOT NULL, 
	unit_raw VARCHAR(20) NOT NULL, 
	interval_s FLOAT, 
	flags VARCHAR(200) NOT NULL, 
	good BOOLEAN NOT NULL, 
	line INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_sensor_reading UNIQUE (station_id, quantity, time), 
	FOREIGN KEY(batch_id) REFERENCES sensor_batches (id)
);

CREATE INDEX ix_sensor_readings_batch_id ON sensor_readings (batch_id);

CREATE INDEX ix_sensor_readings_good ON sensor_readings (good);

CREATE INDEX ix_sensor_readings_station_id ON sensor_readings (station_id);

CREATE INDEX ix_sensor_readings_time ON sensor_readings (time);

INSERT INTO alert_issue_lock (id, issuances) VALUES (1, 0);
INSERT INTO "api_keys" VALUES('1bf4d27c','operator','desk 1','6f707f8dd71041b8bda366471ed664bd03614b44cda2538e4f13d54340a473ee','2026-12-08 04:21:19.703995+00',NULL);
INSERT INTO "runs" VALUES('0123456789abcdef0123456789abcdef','quick','scenario','finished','2025-10-27 00:00:00.000000','2025-10-27 00:05:00.000000','/srv/twin/runs/0123456789abcdef0123456789abcdef','{"alerts": 0}',NULL);
