-- The POS file's name (its base name only, as the POS named its export; no folder path) beside each import,
-- so the home page's import history names its files after a restart too.
ALTER TABLE pos_imports ADD COLUMN file_name TEXT;
