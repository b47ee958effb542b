-- CloudArq store, migration 4 (SQLite): a stored mutelist entry may be
-- restricted to one region, as an entry of a mutelist file may (the one
-- MuteEntry type of cloudarq-model). NULL: every region; rows stored before
-- keep applying to every region.
ALTER TABLE mutelist_entries ADD COLUMN region TEXT;
