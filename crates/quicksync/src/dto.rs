//! Wire shapes. Requests refuse unknown properties at every level (the vendor's
//! `additionalProperties: false`); nullable members are `Option`s.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VerifyRequest {
    /// The wallet that signed.
    pub wallet_address: String,
    /// The message from `/nonce`, unchanged.
    pub message: String,
    /// EIP-191 `personal_sign` signature, 65 bytes hex.
    pub signature: String,
}

/// `POST /v1/wallet-proof/verify` query.
#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    /// The chain; only Ethereum (the default).
    pub chain: Option<String>,
}

/// `GET /v1/wallet-proof/nonce` answer.
#[derive(Debug, Serialize)]
pub struct NonceDto {
    /// The nonce (a JavaScript-safe integer).
    pub nonce: u64,
    /// The text to sign; it contains the nonce.
    pub message: String,
}

/// `POST /v1/wallet-proof/verify` answer.
#[derive(Debug, Serialize)]
pub struct TokenDto {
    /// The wallet bearer.
    pub token: String,
}

/// `POST /v1/session` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateSessionRequest {
    /// The host's name and address in the session.
    #[serde(default, deserialize_with = "object")]
    pub identity: Option<Identity>,
    /// Deprecated: `rules.password`.
    #[serde(default)]
    pub password: Option<String>,
    /// Deprecated: `rules.whiteListAddresses`.
    #[serde(default)]
    pub white_list_addresses: Option<Vec<Option<String>>>,
    /// The session's rules.
    #[serde(default, deserialize_with = "object")]
    pub rules: Option<SessionRules>,
}

/// `identity`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Identity {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Address shown for the host.
    #[serde(default)]
    pub chain_address: Option<String>,
}

/// `rules`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SessionRules {
    /// Most members, the host included.
    #[serde(default)]
    pub user_capacity: Option<i64>,
    /// Lifetime in seconds.
    #[serde(default)]
    pub expiry_duration_in_seconds: Option<i64>,
    /// Join password.
    #[serde(default)]
    pub password: Option<String>,
    /// Only whitelisted wallets may join.
    #[serde(default)]
    pub allow_only_whitelisted_addresses: Option<bool>,
    /// The whitelist.
    #[serde(default, deserialize_with = "objects")]
    pub white_list_addresses: Option<Vec<WhiteListAddressRequest>>,
}

/// One whitelist entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WhiteListAddressRequest {
    /// A wallet address.
    #[serde(default)]
    pub address: Option<String>,
}

/// `POST /v1/session/join` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JoinRequest {
    /// The session to join.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Its password, when it has one.
    #[serde(default)]
    pub password: Option<String>,
}

/// `POST /v1/session/current/kick` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KickRequest {
    /// The member to remove.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// Create and join answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCredentialsDto {
    /// The session id.
    pub session_id: String,
    /// Seconds until the session expires.
    pub expires_in: i64,
    /// The caller's membership.
    pub credentials: CredentialsDto,
    /// The rules in force.
    pub rules: SessionRulesDto,
}

/// The caller's membership.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsDto {
    /// The session bearer.
    pub token: String,
    /// The member id.
    pub id: String,
    /// The generated pseudonym.
    pub pseudonym: String,
    /// `Host` or `Client`.
    pub role: String,
}

/// Rules in force.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRulesDto {
    /// Seconds until the session expires.
    pub expiry: i64,
    /// Most files.
    pub max_files: u32,
    /// Most members, the host included.
    pub max_users: u32,
    /// Most megabytes in all.
    pub max_total_mega_bytes: u64,
    /// Whether joining needs a password.
    pub password_protected: bool,
    /// The whitelist.
    pub white_list_addresses: Vec<WhiteListAddressDto>,
}

/// One whitelist entry.
#[derive(Debug, Serialize)]
pub struct WhiteListAddressDto {
    /// EIP-55 checksummed address.
    pub address: String,
}

/// `GET /v1/session/current` answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentSessionDto {
    /// The session id.
    pub id: String,
    /// The host's member id.
    pub creator_id: String,
    /// Seconds until the session expires.
    pub expiry: i64,
    /// Most files.
    pub max_files: u32,
    /// Most members, the host included.
    pub max_users: u32,
    /// Most megabytes in all.
    pub max_total_mega_bytes: u64,
    /// Whether joining needs a password.
    pub password_protected: bool,
    /// The whitelist (EIP-55 checksummed).
    pub white_list_addresses: Vec<String>,
    /// Members in joining order.
    pub users: Vec<UserDto>,
}

/// One member.
#[derive(Debug, Serialize)]
pub struct UserDto {
    /// Member id (`userId` for kick).
    pub id: String,
    /// `Host` or `Client`.
    pub role: String,
    /// Display name: the host's `identity.name`, else the pseudonym.
    pub name: String,
    /// Wallet address (the host's `identity.chainAddress` when given).
    pub address: String,
}
