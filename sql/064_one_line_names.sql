-- Issue 17: a building name or an alert recipient with a line break broke every e-mail of the building (a header
-- cannot hold CR/LF: each delivery died after its retries) and could inject headers. The registry and the alert
-- rules refuse control characters on input; these checks say the same for any other writer. NOT VALID: rows
-- written before are not re-checked (fix them with UPDATE; VALIDATE CONSTRAINT then passes).
ALTER TABLE buildings ADD CONSTRAINT buildings_name_one_line
    CHECK (name !~ '[[:cntrl:]]' AND length(name) <= 200) NOT VALID;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_recipients_one_line
    CHECK (array_to_string(recipients, ' ') !~ '[[:cntrl:]]') NOT VALID;
