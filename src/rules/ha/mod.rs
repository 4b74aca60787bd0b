pub mod cluster_too_small;
pub mod es_minimum_master_nodes;
pub mod etcd_quorum;
pub mod jvm_heap_compressed_oops;
pub mod jvm_heap_over_32g;
pub mod jvm_heap_over_half_ram;
pub mod patroni_timing;
