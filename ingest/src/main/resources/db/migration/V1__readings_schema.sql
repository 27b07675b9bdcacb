-- Outfall storage, version 1: sites, stations, the parameter catalog, readings and dead letters.
-- Runs unchanged on plain PostgreSQL and on PostgreSQL with TimescaleDB (see V2).

CREATE TABLE sites (
  id         serial PRIMARY KEY,
  code       text NOT NULL UNIQUE,
  name       text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stations (
  id         serial PRIMARY KEY,
  code       text NOT NULL UNIQUE,
  site_id    int  NOT NULL REFERENCES sites (id),
  name       text,
  gateway    text NOT NULL,            -- gateway that first reported the station
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stations_site ON stations (site_id);

-- Parameter codes are part of the wire contract: extend, never rename. Ids are stable forever.
CREATE TABLE parameters (
  id       smallint PRIMARY KEY,
  code     text NOT NULL UNIQUE,
  unit     text NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('quality', 'flow', 'meter')),
  name_en  text NOT NULL,
  name_vi  text NOT NULL
);

INSERT INTO parameters (id, code, unit, kind, name_en, name_vi) VALUES
  (1,  'flow_in',       'm3/h',      'flow',    'Inflow',                   'Lưu lượng vào'),
  (2,  'flow_out',      'm3/h',      'flow',    'Outflow',                  'Lưu lượng ra'),
  (3,  'temperature',   'degC',      'quality', 'Temperature',              'Nhiệt độ'),
  (4,  'pH',            'pH',        'quality', 'pH',                       'pH'),
  (5,  'TSS',           'mg/L',      'quality', 'Total suspended solids',   'Tổng chất rắn lơ lửng'),
  (6,  'COD',           'mg/L',      'quality', 'Chemical oxygen demand',   'Nhu cầu oxy hóa học'),
  (7,  'BOD5',          'mg/L',      'quality', 'Biochemical oxygen demand (5 days, 20 °C)', 'Nhu cầu oxy sinh hóa (BOD5)'),
  (8,  'NH4_N',         'mg/L',      'quality', 'Ammonium (as N)',          'Amoni (tính theo N)'),
  (9,  'TN',            'mg/L',      'quality', 'Total nitrogen',           'Tổng nitơ'),
  (10, 'TP',            'mg/L',      'quality', 'Total phosphorus (as P)',  'Tổng phốt pho (tính theo P)'),
  (11, 'colour',        'Pt-Co',     'quality', 'Colour',                   'Độ màu'),
  (12, 'coliforms',     'MPN/100mL', 'quality', 'Coliforms',                'Coliform'),
  (20, 'energy',        'kWh',       'meter',   'Energy (cumulative)',      'Điện năng (lũy kế)'),
  (21, 'chemical_dose', 'kg',        'meter',   'Chemical dose (cumulative)', 'Hóa chất (lũy kế)'),
  (30, 'arsenic',       'mg/L',      'quality', 'Arsenic',                  'Asen'),
  (31, 'mercury',       'mg/L',      'quality', 'Mercury',                  'Thủy ngân'),
  (32, 'lead',          'mg/L',      'quality', 'Lead',                     'Chì'),
  (33, 'cadmium',       'mg/L',      'quality', 'Cadmium',                  'Cadimi'),
  (34, 'chromium_VI',   'mg/L',      'quality', 'Chromium (VI)',            'Crom (VI)'),
  (35, 'chromium_III',  'mg/L',      'quality', 'Chromium (III)',           'Crom (III)'),
  (36, 'copper',        'mg/L',      'quality', 'Copper',                   'Đồng'),
  (37, 'zinc',          'mg/L',      'quality', 'Zinc',                     'Kẽm'),
  (38, 'nickel',        'mg/L',      'quality', 'Nickel',                   'Niken'),
  (39, 'manganese',     'mg/L',      'quality', 'Manganese',                'Mangan'),
  (40, 'iron',          'mg/L',      'quality', 'Iron',                     'Sắt');

-- One row per measurement. The key makes storage idempotent: a replayed batch inserts nothing.
-- status: 0 measuring, 1 calibrating, 2 device fault (the regulator's 00/01/02).
CREATE TABLE readings (
  station_id   int              NOT NULL REFERENCES stations (id),
  parameter_id smallint         NOT NULL REFERENCES parameters (id),
  ts           timestamptz      NOT NULL,
  value        double precision NOT NULL,
  status       smallint         NOT NULL CHECK (status IN (0, 1, 2)),
  PRIMARY KEY (station_id, parameter_id, ts)
);

-- Messages (or the parts of them) that were refused, with why and the raw payload, for inspection
-- and replay. Unique on the payload so that a redelivered message is parked once.
CREATE TABLE dead_letters (
  id                bigserial PRIMARY KEY,
  received_at       timestamptz NOT NULL DEFAULT now(),
  topic             text        NOT NULL,
  gateway           text,
  seq               bigint,
  reason            text        NOT NULL,
  detail            text        NOT NULL,
  rejected_readings int         NOT NULL,
  payload           bytea       NOT NULL,
  payload_sha256    bytea       NOT NULL,
  UNIQUE (topic, payload_sha256)
);
CREATE INDEX dead_letters_received ON dead_letters (received_at DESC);
CREATE INDEX dead_letters_reason ON dead_letters (reason, received_at DESC);
