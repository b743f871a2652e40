//! Wire shapes. Requests refuse unknown properties at every level (the vendor's
//! `additionalProperties: false`); nullable members are `Option`s.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `T` read from a JSON object only (serde alone would also build a struct from an array).
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(V(PhantomData)).map(Object)
    }
}

fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Option::<Object<T>>::deserialize(d)?.map(|o| o.0))
}

fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    let v = Option::<Vec<Object<T>>>::deserialize(d)?;
    Ok(v.map(|v| v.into_iter().map(|o| o.0).collect()))
}

/// `POST /v1/wallet-proof/verify` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = QuicksyncVerifyRequest)]
pub struct VerifyRequest {
    /// The wallet that signed: `0x` and 40 hex digits, any case (white space around it is
    /// ignored).
    #[schema(example = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")]
    pub wallet_address: String,
    /// The message from `/nonce`, byte for byte.
    #[schema(
        example = "Sign this message to prove that you own this wallet.\n\nNonce: 4503599627370495\nIssued At: 2026-11-22T04:31:36Z\nProof: 3f0c9d1e2b4a5c6d7e8f90a1b2c3d4e5"
    )]
    pub message: String,
    /// The EIP-191 `personal_sign` signature of `message`: 65 bytes `r || s || v` in hex, with
    /// or without `0x`, `v` being 27/28 or 0/1; low `s` only (EIP-2).
    #[schema(
        example = "0x5e3c6f1f0d2a4b8c9e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d1b"
    )]
    pub signature: String,
}

/// `POST /v1/wallet-proof/verify` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// The chain: only Ethereum (any case), the default.
    #[param(example = "Ethereum")]
    pub chain: Option<String>,
}

/// `GET /v1/wallet-proof/nonce` answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuicksyncNonce)]
pub struct NonceDto {
    /// The nonce: a random integer below 2^53 (exact in JavaScript).
    #[schema(example = 4503599627370495_u64, maximum = 9007199254740991_u64)]
    pub nonce: u64,
    /// The text to sign: `wallet_proof.statement`, the nonce, its issue time and a MAC over
    /// both. Send it back unchanged.
    #[schema(
        example = "Sign this message to prove that you own this wallet.\n\nNonce: 4503599627370495\nIssued At: 2026-11-22T04:31:36Z\nProof: 3f0c9d1e2b4a5c6d7e8f90a1b2c3d4e5"
    )]
    pub message: String,
}

/// `POST /v1/wallet-proof/verify` answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuicksyncWalletToken)]
pub struct TokenDto {
    /// The wallet bearer: an HS256 JWT (`sub`: the address, EIP-55), valid for
    /// `wallet_token.ttl_seconds`.
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIweDJjNzUzNmUzNjA1...")]
    pub token: String,
}

/// `POST /v1/session` body. Every member is optional and nullable (null counts as absent);
/// unknown members are refused at every level. Bounds are the configured `[quicksync.rules]`
/// (the document shows the defaults): values outside them are refused with 422, never clamped.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = QuicksyncCreateSessionRequest)]
pub struct CreateSessionRequest {
    /// The host's name and address in the session.
    #[serde(default, deserialize_with = "object")]
    pub identity: Option<Identity>,
    /// Deprecated: `rules.password` (both given and different: 422).
    #[serde(default)]
    #[schema(deprecated, max_length = 128)]
    pub password: Option<String>,
    /// Deprecated: `rules.whiteListAddresses`, merged with it; a list given here without
    /// `rules.allowOnlyWhitelistedAddresses` is enforced.
    #[serde(default)]
    #[schema(deprecated, schema_with = address_list)]
    pub white_list_addresses: Option<Vec<Option<String>>>,
    /// The session's rules.
    #[serde(default, deserialize_with = "object")]
    pub rules: Option<SessionRules>,
}

/// The deprecated top-level `whiteListAddresses`: wallet addresses, `0x` and 40 hex digits
/// each, any case.
fn address_list() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^0x[0-9a-fA-F]{40}$")),
        )
        .examples([serde_json::json!([
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        ])])
        .build()
}

/// `identity`: how the host appears in the session (blank strings count as absent).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = QuicksyncIdentity)]
pub struct Identity {
    /// The host's display name (default: its pseudonym); at most `max_name_length` (64)
    /// characters after trimming, no control characters.
    #[serde(default)]
    #[schema(
        max_length = 64,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "Alice"
    )]
    pub name: Option<String>,
    /// The address shown for the host (default: the wallet's); at most
    /// `max_chain_address_length` (128) characters, no white space or control characters.
    #[serde(default)]
    #[schema(
        max_length = 128,
        pattern = "^\\s*[^\\s\\u0000-\\u001F\\u007F-\\u009F]*\\s*$",
        example = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
    )]
    pub chain_address: Option<String>,
}

/// `rules`: members left out or null take the configured defaults.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = QuicksyncSessionRules)]
pub struct SessionRules {
    /// Most members, the host included: 1 to `max_user_capacity` (100); default
    /// `default_user_capacity` (10).
    #[serde(default, deserialize_with = "flavor_kit::whole::option_i64")]
    #[schema(minimum = 1, maximum = 100, example = 5)]
    pub user_capacity: Option<i64>,
    /// Lifetime in seconds: `min_expiry_seconds` (60) to `max_expiry_seconds` (86400);
    /// default `default_expiry_seconds` (3600).
    #[serde(default, deserialize_with = "flavor_kit::whole::option_i64")]
    #[schema(minimum = 60, maximum = 86400, example = 3600)]
    pub expiry_duration_in_seconds: Option<i64>,
    /// Join password, at most `max_password_length` (128) characters; empty means none.
    #[serde(default)]
    #[schema(max_length = 128, example = "pw")]
    pub password: Option<String>,
    /// Only whitelisted wallets may join (default: false, or true when only the deprecated
    /// top-level `whiteListAddresses` is given).
    #[serde(default)]
    pub allow_only_whitelisted_addresses: Option<bool>,
    /// The whitelist: at most `max_whitelist_addresses` (100) after merging and
    /// deduplication.
    #[serde(default, deserialize_with = "objects")]
    pub white_list_addresses: Option<Vec<WhiteListAddressRequest>>,
}

/// One whitelist entry.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = QuicksyncWhiteListAddressRequest)]
pub struct WhiteListAddressRequest {
    /// A wallet address: `0x` and 40 hex digits, any case (required).
    #[serde(default)]
    #[schema(value_type = String, required = true, pattern = "^0x[0-9a-fA-F]{40}$", example = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    pub address: Option<String>,
}

/// `POST /v1/session/join` body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = QuicksyncJoinRequest)]
pub struct JoinRequest {
    /// The session to join (a UUID, any case); required.
    #[serde(default)]
    #[schema(value_type = String, required = true, pattern = "\\S", example = "0d0a1c6e-2f4b-4a59-9a43-3d3c1f1f2b7e")]
    pub session_id: Option<String>,
    /// Its password, when it has one.
    #[serde(default)]
    #[schema(example = "pw")]
    pub password: Option<String>,
}

/// `POST /v1/session/current/kick` body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = QuicksyncKickRequest)]
pub struct KickRequest {
    /// The member to remove (its `id`); required, and not the host itself.
    #[serde(default)]
    #[schema(value_type = String, required = true, pattern = "\\S", example = "5d41402abc4b2a76b9719d911017c592")]
    pub user_id: Option<String>,
}

/// A member's role.
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(as = QuicksyncRole)]
pub enum Role {
    /// The wallet that created the session.
    Host,
    /// A wallet that joined it.
    Client,
}

/// Create and join answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = QuicksyncSessionCredentials)]
pub struct SessionCredentialsDto {
    /// The session id (a UUID).
    #[schema(example = "0d0a1c6e-2f4b-4a59-9a43-3d3c1f1f2b7e")]
    pub session_id: String,
    /// Whole seconds until the session expires.
    #[schema(example = 3600)]
    pub expires_in: i64,
    /// The caller's membership.
    pub credentials: CredentialsDto,
    /// The rules in force.
    pub rules: SessionRulesDto,
}

/// The caller's membership.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = QuicksyncCredentials)]
pub struct CredentialsDto {
    /// The session bearer: `<sessionId>.<memberId>.<secret>`, shown this once.
    #[schema(
        example = "0d0a1c6e-2f4b-4a59-9a43-3d3c1f1f2b7e.5d41402abc4b2a76b9719d911017c592.q3VJb0t3m6lZ0f8nXcKk1o2bZ4dQe7WbY9sR5tUvA1c"
    )]
    pub token: String,
    /// The member id (32 hex digits).
    #[schema(example = "5d41402abc4b2a76b9719d911017c592")]
    pub id: String,
    /// The generated pseudonym, unique in the session.
    #[schema(example = "Brave-Otter-42")]
    pub pseudonym: String,
    /// `Host` (create) or `Client` (join).
    #[schema(value_type = Role)]
    pub role: String,
}

/// Rules in force.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = QuicksyncSessionRulesInForce)]
pub struct SessionRulesDto {
    /// Expiry and limits.
    #[serde(flatten)]
    pub limits: SessionLimitsDto,
    /// The whitelist.
    pub white_list_addresses: Vec<WhiteListAddressDto>,
}

/// A session's expiry and limits, as both the credentials' rules and the current session show
/// them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = QuicksyncSessionLimits)]
pub struct SessionLimitsDto {
    /// Whole seconds until the session expires.
    #[schema(example = 3600)]
    pub expiry: i64,
    /// Most files (`max_files`).
    #[schema(example = 100)]
    pub max_files: u32,
    /// Most members, the host included.
    #[schema(example = 5)]
    pub max_users: u32,
    /// Most megabytes in all (`max_total_megabytes`).
    #[schema(example = 1024)]
    pub max_total_mega_bytes: u64,
    /// Whether joining needs a password.
    pub password_protected: bool,
}

/// One whitelist entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuicksyncWhiteListAddress)]
pub struct WhiteListAddressDto {
    /// EIP-55 checksummed address.
    #[schema(example = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    pub address: String,
}

/// `GET /v1/session/current` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = QuicksyncCurrentSession)]
pub struct CurrentSessionDto {
    /// The session id (a UUID).
    #[schema(example = "0d0a1c6e-2f4b-4a59-9a43-3d3c1f1f2b7e")]
    pub id: String,
    /// The host's member id.
    #[schema(example = "5d41402abc4b2a76b9719d911017c592")]
    pub creator_id: String,
    /// Expiry and limits.
    #[serde(flatten)]
    pub limits: SessionLimitsDto,
    /// The whitelist (EIP-55 checksummed).
    #[schema(example = json!(["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]))]
    pub white_list_addresses: Vec<String>,
    /// Members in joining order.
    pub users: Vec<UserDto>,
}

/// One member.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuicksyncMember)]
pub struct UserDto {
    /// Member id (`userId` for kick).
    #[schema(example = "5d41402abc4b2a76b9719d911017c592")]
    pub id: String,
    /// `Host` or `Client`.
    #[schema(value_type = Role)]
    pub role: String,
    /// Display name: the host's `identity.name`, else the pseudonym.
    #[schema(example = "Alice")]
    pub name: String,
    /// Wallet address (the host's `identity.chainAddress` when given).
    #[schema(example = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")]
    pub address: String,
}
