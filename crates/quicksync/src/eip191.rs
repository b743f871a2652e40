//! Ethereum wallet signatures: EIP-191 `personal_sign` hashing, public-key recovery from a
//! 65-byte `r || s || v` signature (secp256k1), and addresses (EIP-55 checksummed on output,
//! compared case-insensitively).

use std::fmt;

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use sha3::{Digest, Keccak256};

use crate::errors::SignatureError;

/// A 20-byte Ethereum address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address([u8; 20]);

impl Address {
    /// Parses `0x` followed by 40 hex digits, in any case (the EIP-55 checksum is not enforced:
    /// addresses compare case-insensitively).
    pub fn parse(s: &str) -> Option<Self> {
        let hex_part = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
        if hex_part.len() != 40 {
            return None;
        }
        let mut out = [0u8; 20];
        hex::decode_to_slice(hex_part, &mut out).ok()?;
        Some(Self(out))
    }

    /// `0x` and 40 lowercase hex digits: the form used as a key.
    pub fn lower(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// The EIP-55 mixed-case checksum form: the form shown to clients.
    pub fn checksummed(&self) -> String {
        let lower = hex::encode(self.0);
        let hash = Keccak256::digest(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The address of a secp256k1 public key: the last 20 bytes of keccak-256 of its
    /// uncompressed encoding without the `0x04` tag.
    pub fn of_key(key: &VerifyingKey) -> Self {
        let point = key.to_encoded_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Self(out)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.checksummed())
    }
}

/// `keccak256("\x19Ethereum Signed Message:\n" + len(message) + message)`.
pub fn personal_message_hash(message: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(b"\x19Ethereum Signed Message:\n");
    h.update(message.len().to_string().as_bytes());
    h.update(message);
    h.finalize().into()
}

/// Recovers the address that signed `message` with `personal_sign`. The signature is the
/// usual 65 bytes `r || s || v` in hex (with or without `0x`), `v` being 27/28 or 0/1. High-`s`
/// signatures are refused (EIP-2), as no wallet produces them.
pub fn recover_personal_sign(message: &str, signature: &str) -> Result<Address, SignatureError> {
    let hex_part = signature
        .strip_prefix("0x")
        .or_else(|| signature.strip_prefix("0X"))
        .unwrap_or(signature);
    if hex_part.len() != 130 {
        return Err(SignatureError::Malformed(
            "expected 65 bytes as 130 hex digits",
        ));
    }
    let mut bytes = [0u8; 65];
    hex::decode_to_slice(hex_part, &mut bytes)
        .map_err(|_| SignatureError::Malformed("not hexadecimal"))?;
    let v = match bytes[64] {
        27 | 28 => bytes[64] - 27,
        0 | 1 => bytes[64],
        _ => return Err(SignatureError::Malformed("v must be 27, 28, 0 or 1")),
    };
    let sig = Signature::from_slice(&bytes[..64])
        .map_err(|_| SignatureError::Malformed("r or s is out of range"))?;
    if sig.normalize_s().is_some() {
        return Err(SignatureError::Malformed(
            "s is in the upper half of the curve order",
        ));
    }
    let recid = RecoveryId::from_byte(v).ok_or(SignatureError::Malformed("bad recovery id"))?;
    let hash = personal_message_hash(message.as_bytes());
    let key = VerifyingKey::recover_from_prehash(&hash, &sig, recid)
        .map_err(|_| SignatureError::Invalid)?;
    Ok(Address::of_key(&key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::SigningKey;

    fn sign(key: &SigningKey, message: &str) -> String {
        let (sig, recid) = key
            .sign_prehash_recoverable(&personal_message_hash(message.as_bytes()))
            .unwrap();
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(27 + recid.to_byte());
        format!("0x{}", hex::encode(bytes))
    }

    fn key() -> SigningKey {
        let bytes = hex::decode("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
            .unwrap();
        SigningKey::from_slice(&bytes).unwrap()
    }

    #[test]
    fn a_known_key_has_its_known_address() {
        // The example account of the web3.js documentation.
        let address = Address::of_key(key().verifying_key());
        assert_eq!(
            address.checksummed(),
            "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
        );
    }

    #[test]
    fn known_personal_message_hash() {
        // keccak256("\x19Ethereum Signed Message:\n11Hello World"), a widely published value.
        assert_eq!(
            hex::encode(personal_message_hash(b"Hello World")),
            "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2"
        );
    }

    #[test]
    fn eip55_checksums_match_the_spec_examples() {
        for a in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert_eq!(Address::parse(&a.to_lowercase()).unwrap().checksummed(), a);
        }
    }

    #[test]
    fn addresses_parse_strictly_and_compare_case_insensitively() {
        let a = Address::parse("0x2C7536E3605D9C16A7A3D7B1898E529396A65C23").unwrap();
        let b = Address::parse("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23").unwrap();
        assert_eq!(a, b);
        for bad in [
            "",
            "0x",
            "2c7536e3605d9c16a7a3d7b1898e529396a65c23",
            "0x2c75",
            "0xzz7536e3605d9c16a7a3d7b1898e529396a65c23",
        ] {
            assert!(Address::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn signatures_recover_their_signer_with_either_v_form() {
        let k = key();
        let signer = Address::of_key(k.verifying_key());
        let sig = sign(&k, "hello\nworld");
        assert_eq!(recover_personal_sign("hello\nworld", &sig), Ok(signer));
        // v as 0/1, and without the 0x prefix.
        let mut bytes = hex::decode(&sig[2..]).unwrap();
        bytes[64] -= 27;
        assert_eq!(
            recover_personal_sign("hello\nworld", &hex::encode(&bytes)),
            Ok(signer)
        );
        // Another message recovers another (random) address, or none.
        assert_ne!(recover_personal_sign("hello world", &sig), Ok(signer));
    }

    #[test]
    fn malformed_and_high_s_signatures_are_refused() {
        let k = key();
        let sig = sign(&k, "m");
        let mut bytes = hex::decode(&sig[2..]).unwrap();
        assert!(matches!(
            recover_personal_sign("m", "0x1234"),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            recover_personal_sign("m", &format!("0x{}", "zz".repeat(65))),
            Err(SignatureError::Malformed(_))
        ));
        bytes[64] = 29;
        assert!(matches!(
            recover_personal_sign("m", &hex::encode(&bytes)),
            Err(SignatureError::Malformed(_))
        ));
        // r = 0 is out of range.
        let zero = format!("{}1b", "00".repeat(64));
        assert!(matches!(
            recover_personal_sign("m", &zero),
            Err(SignatureError::Malformed(_))
        ));
        // The same signature with s' = n - s (and v flipped) is valid ECDSA but high-s.
        let parsed = Signature::from_slice(&hex::decode(&sig[2..]).unwrap()[..64]).unwrap();
        let (r, s) = parsed.split_scalars();
        let high = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        let mut high_bytes = high.to_bytes().to_vec();
        high_bytes.push(if hex::decode(&sig[2..]).unwrap()[64] == 27 {
            28
        } else {
            27
        });
        assert_eq!(
            recover_personal_sign("m", &hex::encode(high_bytes)),
            Err(SignatureError::Malformed(
                "s is in the upper half of the curve order"
            ))
        );
    }
}
