//! The token check's answer (`GET /api/v3/sessions`). It names only the network's cache purge
//! time, so it is the same for every token of a network: each [`Network`](crate::network::Network)
//! renders it once, and a check answers those bytes.

use actix_web::web::Bytes;
use serde::Serialize;
use utoipa::ToSchema;

/// `GET /api/v3/sessions`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AmitySessionCheck)]
pub struct SessionCheckResponse {
    /// The network's cache purge time.
    #[schema(example = "2020-01-01T00:00:00.000Z")]
    pub last_cache_purge: String,
}

/// The JSON body of the check's answer for a network whose cache purge time is
/// `last_cache_purge`.
pub fn render(last_cache_purge: &str) -> Bytes {
    let answer = SessionCheckResponse {
        last_cache_purge: last_cache_purge.to_owned(),
    };
    // A struct of one string field always serialises.
    serde_json::to_vec(&answer)
        .map(Bytes::from)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_body_names_the_cache_purge_time_in_camel_case() {
        let body = render("2020-01-01T00:00:00.000Z");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"lastCachePurge": "2020-01-01T00:00:00.000Z"})
        );
    }
}
