-- ORES (seed 000 contract) meters: identified by the seed's 14-digit `prm` or by the Belgian EAN-18 (GS1 check
-- digit); Enedis keeps its PRM rule, Belgian CSV exports keep the EAN rule. The constraints of 001 are replaced.
ALTER TABLE meters DROP CONSTRAINT meters_prm_format;
ALTER TABLE meters DROP CONSTRAINT meters_ean_format;
ALTER TABLE meters ADD CONSTRAINT meters_id_format CHECK (
    CASE provider
        WHEN 'enedis' THEN meter_id ~ '^[0-9]{14}$'
        WHEN 'ores' THEN meter_id ~ '^[0-9]{14}$' OR linky_gs1_valid(meter_id)
        ELSE linky_gs1_valid(meter_id)
    END);

-- When a stored credential stops working (an OAuth access token's expiry): shown by `meters list`, used to
-- refresh before it runs out. NULL for credentials without an expiry.
ALTER TABLE meter_credentials ADD COLUMN expires_at timestamptz;
