-- CloudArq store, migration 6 (PostgreSQL): a live tenant's name is unique, so
-- looking a tenant up by name (the operator's commands, the single-user
-- command line's local tenant) finds one, and two first runs at once cannot
-- create two. A deleted tenant's name may be reused.
CREATE UNIQUE INDEX tenants_live_name_key ON tenants (name) WHERE deleted_at_ms IS NULL;
