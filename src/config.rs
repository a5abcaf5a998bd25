//! What a [`Client`](crate::Client) is configured from, beyond what is set on its
//! [`ClientBuilder`](crate::ClientBuilder): the environment ([`Env`]), the shared config and
//! credentials files and the profile selected in them ([`SharedConfig`]), and the endpoint
//! variants ([`EndpointOptions`]).
//!
//! Each setting is resolved the way the AWS CLI resolves it: a value set in code wins, then
//! the environment, then the selected profile, then a default (for the region, instance
//! metadata last).

pub use crate::endpoint::EndpointOptions;
pub use crate::env::Env;
pub use crate::settings::SharedConfig;
