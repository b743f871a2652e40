//! Request parameters as QuickBlox sees them: flat `name=value` pairs with decoded values, nested
//! ones named `user[login]`, from a form body, a JSON body or a query string.

use serde_json::Value;

use crate::errors::{FieldProblem, Malformed, RequestError};

/// Most parameters one request may carry.
pub const MAX_PARAMS: usize = 64;
/// Longest parameter name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Longest parameter value, in bytes.
pub const MAX_VALUE_BYTES: usize = 1024;

/// The parameters of one request, in the order they came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// Names a JSON body gave an object (flattened into `pairs` as `name[key]`).
    objects: Vec<String>,
}

impl Params {
    /// Parameters from pairs already decoded (checks the limits).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, RequestError> {
        if pairs.len() > MAX_PARAMS {
            return Err(RequestError::Malformed(Malformed::TooManyParameters));
        }
        for (name, value) in &pairs {
            if name.len() > MAX_NAME_BYTES {
                return Err(RequestError::Malformed(Malformed::LongName));
            }
            if value.len() > MAX_VALUE_BYTES {
                return Err(RequestError::field(name.clone(), FieldProblem::TooLong));
            }
        }
        Ok(Self {
            pairs,
            objects: Vec::new(),
        })
    }

    /// Parses `application/x-www-form-urlencoded` bytes (also a query string): `+` is a space,
    /// `%XX` a byte, and the decoded bytes must be UTF-8.
    pub fn from_form(raw: &[u8], what: Malformed) -> Result<Self, RequestError> {
        let mut pairs = Vec::new();
        for piece in raw.split(|b| *b == b'&') {
            if piece.is_empty() {
                continue;
            }
            let (name, value) = match piece.iter().position(|b| *b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &piece[piece.len()..]),
            };
            let name = decode_component(name)?;
            if name.is_empty() {
                return Err(RequestError::Malformed(what));
            }
            pairs.push((name, decode_component(value)?));
            if pairs.len() > MAX_PARAMS {
                return Err(RequestError::Malformed(Malformed::TooManyParameters));
            }
        }
        Self::from_pairs(pairs)
    }

    /// Parses a JSON object: strings and numbers are values, one level of nested objects
    /// flattens to `outer[inner]`, nulls count as absent; a member without a name is malformed,
    /// as a nameless pair of a form is.
    pub fn from_json(raw: &[u8]) -> Result<Self, RequestError> {
        if std::str::from_utf8(raw).is_err() {
            return Err(RequestError::Malformed(Malformed::Utf8));
        }
        let value: Value =
            serde_json::from_slice(raw).map_err(|_| RequestError::Malformed(Malformed::Json))?;
        let Value::Object(map) = value else {
            return Err(RequestError::Malformed(Malformed::Json));
        };
        let mut pairs = Vec::new();
        let mut objects = Vec::new();
        for (name, value) in map {
            if name.is_empty() {
                return Err(RequestError::Malformed(Malformed::Json));
            }
            match value {
                Value::Object(inner) => {
                    objects.push(name.clone());
                    for (key, value) in inner {
                        if key.is_empty() {
                            return Err(RequestError::Malformed(Malformed::Json));
                        }
                        let full = format!("{name}[{key}]");
                        if let Some(v) = scalar(&full, value)? {
                            pairs.push((full, v));
                        }
                    }
                }
                other => {
                    if let Some(v) = scalar(&name, other)? {
                        pairs.push((name, v));
                    }
                }
            }
            if pairs.len() > MAX_PARAMS {
                return Err(RequestError::Malformed(Malformed::TooManyParameters));
            }
        }
        Ok(Self {
            objects,
            ..Self::from_pairs(pairs)?
        })
    }

    /// Every pair, in arrival order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The value of the field known by any of `names` (its spelling and aliases): `None` when
    /// absent, an error when given more than once or as an object. `names[0]` names the field in
    /// errors.
    pub fn one(&self, names: &[&str]) -> Result<Option<&str>, RequestError> {
        if self.objects.iter().any(|o| names.contains(&o.as_str())) {
            return Err(RequestError::field(names[0], FieldProblem::WrongType));
        }
        let mut found = None;
        for (name, value) in &self.pairs {
            if names.contains(&name.as_str()) {
                if found.is_some() {
                    return Err(RequestError::field(names[0], FieldProblem::Repeated));
                }
                found = Some(value.as_str());
            }
        }
        Ok(found)
    }

    /// Like [`Params::one`], but absent or empty is [`FieldProblem::Required`].
    pub fn required(&self, names: &[&str]) -> Result<&str, RequestError> {
        match self.one(names)? {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(RequestError::field(names[0], FieldProblem::Required)),
        }
    }

    /// Whether any parameter's name starts with `prefix`.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n.starts_with(prefix))
    }
}

/// A JSON scalar as the text a form would have carried.
fn scalar(name: &str, value: Value) -> Result<Option<String>, RequestError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Array(_) | Value::Object(_) => {
            Err(RequestError::field(name, FieldProblem::WrongType))
        }
    }
}

/// Decodes one form component; `%` not followed by two hex digits stays literal (as browsers do).
fn decode_component(raw: &[u8]) -> Result<String, RequestError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (raw.get(i + 1), raw.get(i + 2)) {
                (Some(&h), Some(&l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                    out.push(hex_value(h) << 4 | hex_value(l));
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| RequestError::Malformed(Malformed::Utf8))
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit.wrapping_sub(b'A').wrapping_add(10),
    }
}

/// Parses a decimal integer field (`"7334"`, `-12`), naming `field` in the error.
pub fn integer(field: &str, value: &str) -> Result<i64, RequestError> {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RequestError::field(field, FieldProblem::NotInteger));
    }
    value
        .parse::<i64>()
        .map_err(|_| RequestError::field(field, FieldProblem::OutOfRange))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(s: &str) -> Vec<(String, String)> {
        Params::from_form(s.as_bytes(), Malformed::Form)
            .unwrap()
            .pairs
    }

    #[test]
    fn forms_decode_values_and_keep_bracket_names() {
        assert_eq!(
            form("user[login]=alice&user%5Bpassword%5D=a%26b%3Dc%2Bd%2F%C3%A9&x=a+b&y&z=%zz"),
            vec![
                ("user[login]".into(), "alice".into()),
                ("user[password]".into(), "a&b=c+d/é".into()),
                ("x".into(), "a b".into()),
                ("y".into(), String::new()),
                ("z".into(), "%zz".into()),
            ]
        );
    }

    #[test]
    fn bad_utf8_and_nameless_pairs_are_refused() {
        assert!(matches!(
            Params::from_form(b"a=%FF", Malformed::Form),
            Err(RequestError::Malformed(Malformed::Utf8))
        ));
        assert!(matches!(
            Params::from_form(b"=x", Malformed::Form),
            Err(RequestError::Malformed(Malformed::Form))
        ));
        assert!(matches!(
            Params::from_json(b"{\"a\":\"\xff\"}"),
            Err(RequestError::Malformed(Malformed::Utf8))
        ));
        let p = Params::from_json(b"{\"email\": {}, \"login\": \"alice\"}").unwrap();
        assert_eq!(p.one(&["login"]).unwrap(), Some("alice"));
        assert!(matches!(
            p.one(&["email"]),
            Err(RequestError::Field { ref field, problem: FieldProblem::WrongType }) if field == "email"
        ));
        for nameless in [&b"{\"\": 1}"[..], b"{\"user\": {\"\": \"x\"}}"] {
            assert!(matches!(
                Params::from_json(nameless),
                Err(RequestError::Malformed(Malformed::Json))
            ));
        }
    }

    #[test]
    fn json_flattens_one_level_and_stringifies_numbers() {
        let p = Params::from_json(
            br#"{"application_id":4242,"nonce":"-7","user":{"login":"a","password":"p"},"n":null}"#,
        )
        .unwrap();
        assert_eq!(p.required(&["application_id"]).unwrap(), "4242");
        assert_eq!(p.required(&["nonce"]).unwrap(), "-7");
        assert_eq!(p.required(&["user[login]"]).unwrap(), "a");
        assert_eq!(p.one(&["n"]).unwrap(), None);
        for bad in [&br#"{"a":[1]}"#[..], br#"{"u":{"x":{"y":1}}}"#] {
            assert!(matches!(
                Params::from_json(bad),
                Err(RequestError::Field {
                    problem: FieldProblem::WrongType,
                    ..
                })
            ));
        }
        for bad in [&b"[1]"[..], b"{", b"\"x\""] {
            assert!(matches!(
                Params::from_json(bad),
                Err(RequestError::Malformed(Malformed::Json))
            ));
        }
    }

    #[test]
    fn aliases_and_repeats() {
        let p = Params::from_form(b"applicationId=1&authKey=k", Malformed::Form).unwrap();
        assert_eq!(
            p.required(&["application_id", "applicationId"]).unwrap(),
            "1"
        );
        let p = Params::from_form(b"application_id=1&applicationId=2", Malformed::Form).unwrap();
        assert!(matches!(
            p.one(&["application_id", "applicationId"]),
            Err(RequestError::Field { problem: FieldProblem::Repeated, ref field }) if field == "application_id"
        ));
        assert!(matches!(
            p.required(&["nonce"]),
            Err(RequestError::Field {
                problem: FieldProblem::Required,
                ..
            })
        ));
    }

    #[test]
    fn limits_hold() {
        let many = (0..=MAX_PARAMS)
            .map(|i| format!("p{i}=1"))
            .collect::<Vec<_>>()
            .join("&");
        assert!(matches!(
            Params::from_form(many.as_bytes(), Malformed::Form),
            Err(RequestError::Malformed(Malformed::TooManyParameters))
        ));
        let long = format!("auth_key={}", "k".repeat(MAX_VALUE_BYTES + 1));
        assert!(matches!(
            Params::from_form(long.as_bytes(), Malformed::Form),
            Err(RequestError::Field {
                problem: FieldProblem::TooLong,
                ..
            })
        ));
    }

    #[test]
    fn integers() {
        assert_eq!(integer("nonce", "-2147483648").unwrap(), -2_147_483_648);
        assert_eq!(integer("nonce", "+5").unwrap(), 5);
        for (v, p) in [
            ("", FieldProblem::NotInteger),
            ("1.5", FieldProblem::NotInteger),
            ("abc", FieldProblem::NotInteger),
            ("-", FieldProblem::NotInteger),
            (" 1", FieldProblem::NotInteger),
            ("99999999999999999999999", FieldProblem::OutOfRange),
        ] {
            assert!(
                matches!(integer("nonce", v), Err(RequestError::Field { problem, .. }) if problem == p),
                "{v:?}"
            );
        }
    }
}
