//! OpenAPI helpers: the security schemes of a flavor's document, and the `instance` (request
//! path) that the examples of its shared error answers show.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;

/// How a credential is presented.
#[derive(Debug, Clone, Copy)]
pub enum Scheme {
    /// In a header of its own (an API key).
    Header {
        /// The header's name.
        name: &'static str,
        /// What it holds.
        description: &'static str,
    },
    /// As `Authorization: Bearer <credential>`.
    Bearer {
        /// The credential's format (`JWT`, ...).
        format: &'static str,
        /// What it holds.
        description: &'static str,
    },
}

impl Scheme {
    fn security_scheme(self) -> SecurityScheme {
        match self {
            Self::Header { name, description } => SecurityScheme::ApiKey(ApiKey::Header(
                ApiKeyValue::with_description(name, description),
            )),
            Self::Bearer {
                format,
                description,
            } => SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(format)
                    .description(Some(description))
                    .build(),
            ),
        }
    }
}

/// Adds the security schemes `(name, scheme)` to `doc`.
pub fn add_schemes(doc: &mut OpenApi, schemes: &[(&str, Scheme)]) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, scheme) in schemes {
        components.add_security_scheme(*name, scheme.security_scheme());
    }
}

/// Where a documented error happens: the `instance` its examples show.
pub trait Instance {
    /// The request path.
    const PATH: &'static str;
}

/// Declares marker types for [`Instance`], one a path:
/// `instances! { /// doc \n AtSession = "/v1/session"; }`.
#[macro_export]
macro_rules! instances {
    ($($(#[$doc:meta])* $name:ident = $path:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl $crate::openapi::Instance for $name {
            const PATH: &'static str = $path;
        }
    )*};
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn schemes_are_added_by_name() {
        let mut doc = OpenApi::default();
        add_schemes(
            &mut doc,
            &[
                (
                    "Key",
                    Scheme::Header {
                        name: "x-key",
                        description: "a key",
                    },
                ),
                (
                    "Token",
                    Scheme::Bearer {
                        format: "JWT",
                        description: "a token",
                    },
                ),
            ],
        );
        let v = serde_json::to_value(&doc).unwrap();
        let schemes = &v["components"]["securitySchemes"];
        assert_eq!(schemes["Key"]["in"], "header");
        assert_eq!(schemes["Key"]["name"], "x-key");
        assert_eq!(schemes["Token"]["scheme"], "bearer");
        assert_eq!(schemes["Token"]["bearerFormat"], "JWT");
    }

    instances! {
        /// A path.
        AtX = "/x";
    }

    #[test]
    fn instances_name_their_path() {
        assert_eq!(<AtX as Instance>::PATH, "/x");
    }
}
