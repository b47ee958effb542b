//! CloudArq examples, one feature per file; see `collect_inventory.rs`.
