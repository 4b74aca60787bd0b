//! Typed indices into the model's arenas.

use serde::Serialize;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }

            pub fn from_index(i: usize) -> Self {
                $name(i as u32)
            }
        }
    )*};
}

id_type!(
    NetworkId,
    SubnetId,
    HostId,
    GroupId,
    SgId,
    AddressSetId,
    VpnId,
    PgClusterId,
    EsClusterId,
    PkiId,
    LbId,
    GatewayId,
    RedisId,
);
