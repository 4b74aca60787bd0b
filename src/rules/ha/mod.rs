pub mod cluster_too_small;
pub mod es_minimum_master_nodes;
pub mod etcd_cluster_overlap;
pub mod etcd_quorum;
pub mod jvm_heap_compressed_oops;
pub mod jvm_heap_over_32g;
pub mod jvm_heap_over_half_ram;
pub mod lb_single_zone;
pub mod patroni_timing;
pub mod redis_maxmemory_over_ram;
pub mod redis_noeviction_cache;
pub mod redis_reserved_memory_low;
pub mod single_point_of_failure;
pub mod zone_failure_loses_quorum;

use crate::model::{Members, Model};
use crate::span::Span;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// Bytes as people write heap and RAM sizes: "31 GiB", "31.5 GiB", "512 MiB".
fn format_size(bytes: u64) -> String {
    if bytes >= GIB {
        // u128: a spec may write an absurd size; rounding must not overflow.
        let tenths = (u128::from(bytes) * 10 + u128::from(GIB / 2)) / u128::from(GIB);
        if tenths % 10 == 0 {
            format!("{} GiB", tenths / 10)
        } else {
            format!("{}.{} GiB", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} MiB", bytes.div_ceil(MIB))
    }
}

/// The `count=` of the group when `members` is exactly that group's hosts:
/// the number to change, so a secondary label can point at it.
fn group_count_span(model: &Model, members: &Members) -> Option<Span> {
    let first = members.hosts.first()?;
    let group = model.group(model.host(*first).group?);
    (group.hosts == members.hosts).then_some(group.count.span)
}

#[cfg(test)]
mod tests {
    use super::format_size;

    #[test]
    fn sizes_read_like_the_spec() {
        assert_eq!(format_size(31 << 30), "31 GiB");
        assert_eq!(format_size((31 << 30) + (1 << 29)), "31.5 GiB");
        assert_eq!(format_size(512 << 20), "512 MiB");
    }
}
