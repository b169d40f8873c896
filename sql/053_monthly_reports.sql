-- The monthly energy report per building: where its files are (the configurable reports directory) and the
-- figures the monthly e-mail quotes. One row per building-month, replaced when the report is rendered again.
CREATE TABLE monthly_reports (
    building_code  text NOT NULL REFERENCES buildings (code) ON DELETE CASCADE,
    month          date NOT NULL CHECK (extract(day FROM month) = 1),
    html_path      text NOT NULL,
    pdf_path       text NOT NULL,
    pdf_sha256     text NOT NULL CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
    pdf_bytes      integer NOT NULL CHECK (pdf_bytes > 0),
    kwh            double precision NOT NULL CHECK (kwh >= 0),
    total_eur      numeric(14, 6),
    cost_partial   boolean NOT NULL,
    completeness   double precision NOT NULL CHECK (completeness >= 0 AND completeness <= 1),
    events         integer NOT NULL CHECK (events >= 0),
    PRIMARY KEY (building_code, month)
);
