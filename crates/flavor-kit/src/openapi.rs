//! OpenAPI helpers: a flavor's document from its route table's operations, its security schemes,
//! and the `instance` (request path) that the examples of its shared error answers show.

use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, ObjectBuilder, OneOfBuilder, RefBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::ToSchema;

/// A flavor's document: the operations of its route table (`paths`, the `Paths` of
/// [`routes!`](crate::routes!)), every one under the flavor's `tag` (described by
/// `description`), the schema of its error body `E`, and its security `schemes`.
pub fn document<E: ToSchema>(
    tag: &str,
    description: &str,
    mut paths: OpenApi,
    schemes: &[(&str, Scheme)],
) -> OpenApi {
    for item in paths.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            op.tags = Some(vec![tag.to_owned()]);
        }
    }
    paths.tags = Some(vec![TagBuilder::new()
        .name(tag)
        .description(Some(description))
        .build()]);
    let mut schemas = vec![(E::name().into_owned(), E::schema())];
    E::schemas(&mut schemas);
    paths
        .components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(schemas);
    add_schemes(&mut paths, schemes);
    paths
}

/// The schema of a request body checked member by member: an object of `properties`
/// (`(name, schema, required)`), described by `description`.
pub fn object(description: &str, properties: Vec<(&str, RefOr<Schema>, bool)>) -> RefOr<Schema> {
    members(description, properties).into()
}

/// The schema of a body read as flat parameters (a form, or JSON one level deep), checked member
/// by member as [`object`]: every member has a name (a nameless `=value` pair is refused as
/// malformed), and members of its own are scalars or objects of scalars (an array anywhere is
/// refused).
pub fn flat_object(
    description: &str,
    properties: Vec<(&str, RefOr<Schema>, bool)>,
) -> RefOr<Schema> {
    let scalar = || {
        ObjectBuilder::new().schema_type(SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Boolean,
            Type::Null,
        ]))
    };
    let named = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
    };
    let nested = ObjectBuilder::new()
        .property_names(Some(named()))
        .additional_properties(Some(scalar()));
    members(description, properties)
        .property_names(Some(named()))
        .additional_properties(Some(Schema::AnyOf(
            AnyOfBuilder::new().item(scalar()).item(nested).build(),
        )))
        .into()
}

fn members(description: &str, properties: Vec<(&str, RefOr<Schema>, bool)>) -> ObjectBuilder {
    let mut schema = ObjectBuilder::new().description(Some(description));
    for (name, property, required) in properties {
        schema = schema.property(name, property);
        if required {
            schema = schema.required(name);
        }
    }
    schema
}

/// `schema` that must also carry a non-empty text in at least one of `names` (JSON Schema
/// `allOf` with an `anyOf` of `required` members), e.g. a login by name or by e-mail address.
pub fn with_one_of(schema: RefOr<Schema>, names: &[&str]) -> RefOr<Schema> {
    let mut any = AnyOfBuilder::new();
    for name in names {
        let text = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1));
        any = any.item(ObjectBuilder::new().property(*name, text).required(*name));
    }
    AllOfBuilder::new().item(schema).item(any).into()
}

/// A property that is the schema `name` or `null`, described by `description`.
pub fn optional(name: &str, description: &str) -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(
            RefBuilder::new()
                .ref_location_from_schema_name(name)
                .description(Some(description)),
        )
        .into()
}

/// Documents a request body type whose schema is built at run time (from the members its
/// parser checks): `documented!(Type, "SchemaName", schema_expr, |schemas| { /* named ones */ })`.
#[macro_export]
macro_rules! documented {
    ($t:ty, $name:literal, $schema:expr, $uses:expr) => {
        impl $crate::__private::utoipa::PartialSchema for $t {
            fn schema() -> $crate::__private::utoipa::openapi::RefOr<
                $crate::__private::utoipa::openapi::schema::Schema,
            > {
                $schema
            }
        }

        impl $crate::__private::utoipa::ToSchema for $t {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed($name)
            }

            fn schemas(schemas: &mut $crate::openapi::Schemas) {
                let uses: fn(&mut $crate::openapi::Schemas) = $uses;
                uses(schemas);
            }
        }
    };
}

/// The named schemas a schema refers to, as utoipa collects them.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

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

    /// A body.
    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Failure {
        /// Why.
        reason: String,
    }

    #[test]
    fn a_document_tags_every_operation_and_holds_the_error_body() {
        let mut paths = OpenApi::default();
        paths.paths.add_path_operation(
            "/x",
            vec![utoipa::openapi::HttpMethod::Get],
            utoipa::openapi::path::OperationBuilder::new().build(),
        );
        let doc = document::<Failure>("things", "All the things.", paths, &[]);
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            v["paths"]["/x"]["get"]["tags"],
            serde_json::json!(["things"])
        );
        assert_eq!(v["tags"][0]["name"], "things");
        assert_eq!(v["tags"][0]["description"], "All the things.");
        assert!(v["components"]["schemas"]["Failure"].is_object());
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
