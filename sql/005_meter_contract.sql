-- What the provider says about a meter's contract and consent, filled by the sources (Enedis: synth_contrat_auto
-- and subscribed_services) or set by hand: used by alerts (subscribed power) and shown by `meters list`.
ALTER TABLE meters
    ADD COLUMN subscribed_kva numeric(7, 2) CHECK (subscribed_kva > 0 AND subscribed_kva <= 100000),
    ADD COLUMN consented_measures text[],          -- provider's measure type codes (Enedis: CDC, PMAX, IDX, ENERGIE…)
    ADD COLUMN consent_status text CHECK (length(consent_status) BETWEEN 1 AND 40),
    ADD COLUMN contract_checked_at timestamptz;    -- when the contract API was last read
COMMENT ON COLUMN meters.subscribed_kva IS 'Subscribed power (kVA) from the contract API, or set by hand';
