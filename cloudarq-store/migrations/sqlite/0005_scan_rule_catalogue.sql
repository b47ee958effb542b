-- CloudArq store, migration 5 (SQLite): a finished scan keeps the
-- catalogue of the rules it ran (result format version 2: title, severity,
-- rationale, remediation and controls, WebAssembly rules included, as JSON),
-- so a report rendered later from the store shows the remediation the scan
-- had. NULL for scans stored before: reports fall back to the built-in rules.
ALTER TABLE scans ADD COLUMN rule_catalogue TEXT;
