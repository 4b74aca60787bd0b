//! `maxmemory` of a self-hosted member: the instance's RAM less the
//! `reserved-memory-percent` share (left to the OS, the replication
//! buffers and fork's copy-on-write during a save), as ElastiCache's
//! `reserved-memory-percent` does.

use crate::model::Redis;

/// maxmemory in bytes for a member with `ram` bytes of memory; None when
/// the RAM is unknown. A percentage over 100 reserves everything (the
/// front end rejects it; this keeps the arithmetic total).
pub fn maxmemory_bytes(r: &Redis, ram: Option<u64>) -> Option<u64> {
    let ram = ram?;
    let reserved = u64::from(r.reserved_memory_percent.value.min(100));
    // u128: RAM * 100 cannot overflow.
    Some((u128::from(ram) * u128::from(100 - reserved) / 100) as u64)
}
