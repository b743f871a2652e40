//! The document itself: references, security requirements, examples, and whether a value fits
//! a schema.

use std::collections::BTreeMap;

use serde_json::Value;

/// Every `$ref` in `v`.
pub fn refs(v: &Value) -> Vec<String> {
    match v {
        Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| match (k.as_str(), v) {
                ("$ref", Value::String(r)) => vec![r.clone()],
                _ => refs(v),
            })
            .collect(),
        Value::Array(a) => a.iter().flat_map(refs).collect(),
        _ => Vec::new(),
    }
}

/// What does not resolve within `doc`: every `$ref` that names no schema of
/// `components.schemas`, and every security requirement that names no security scheme.
pub fn unresolved(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in refs(doc) {
        let known = r
            .strip_prefix("#/components/schemas/")
            .is_some_and(|name| doc["components"]["schemas"][name].is_object());
        if !known {
            out.push(format!("$ref {r}"));
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for requirement in op["security"].as_array().into_iter().flatten() {
                for name in requirement
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    if !schemes[name].is_object() {
                        out.push(format!("{method} {path}: security scheme {name}"));
                    }
                }
            }
        }
    }
    out
}

/// Checks `value` against `schema` of `doc`: types, enums, lengths, required members and no
/// undocumented members.
pub fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return conforms(doc, &doc["components"]["schemas"][name], value, at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options
            .iter()
            .find_map(|o| conforms(doc, o, value, at).ok())
            .ok_or_else(|| format!("{at}: no alternative of oneOf fits {value}"));
    }
    if schema["allOf"].is_array() || schema["properties"].is_object() {
        let (props, required) = members(doc, schema);
        let object = value
            .as_object()
            .ok_or_else(|| format!("{at}: {value} is not an object"))?;
        for name in &required {
            if !object.contains_key(name) {
                return Err(format!("{at}.{name}: required, missing"));
            }
        }
        for (name, v) in object {
            let s = props
                .get(name)
                .ok_or_else(|| format!("{at}.{name}: not in the schema"))?;
            conforms(doc, s, v, &format!("{at}.{name}"))?;
        }
        return Ok(());
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let fits = |t: &str| match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|t| fits(t)) {
        return Err(format!("{at}: {value} is not {types:?}"));
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            return Err(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let Some(s) = value.as_str() {
        let n = s.chars().count() as u64;
        if schema["maxLength"].as_u64().is_some_and(|m| n > m)
            || schema["minLength"].as_u64().is_some_and(|m| n < m)
        {
            return Err(format!("{at}: length {n} is out of bounds"));
        }
    }
    if let Some(n) = value.as_u64() {
        if schema["maximum"].as_u64().is_some_and(|m| n > m) {
            return Err(format!("{at}: {n} is over the maximum"));
        }
    }
    if let Some(items) = value.as_array() {
        if schema["maxItems"]
            .as_u64()
            .is_some_and(|m| items.len() as u64 > m)
        {
            return Err(format!("{at}: too many items"));
        }
        for (i, item) in items.iter().enumerate() {
            conforms(doc, &schema["items"], item, &format!("{at}[{i}]"))?;
        }
    }
    if let (Some(map), Some(s)) = (value.as_object(), schema.get("additionalProperties")) {
        for (k, v) in map {
            conforms(doc, s, v, &format!("{at}.{k}"))?;
        }
    }
    Ok(())
}

/// The properties and required members of an object schema, through `$ref` and `allOf`.
pub fn members(doc: &Value, schema: &Value) -> (BTreeMap<String, Value>, Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return members(doc, &doc["components"]["schemas"][name]);
    }
    let mut props = BTreeMap::new();
    let mut required = Vec::new();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (p, r) = members(doc, part);
        props.extend(p);
        required.extend(r);
    }
    for (k, v) in schema["properties"].as_object().into_iter().flatten() {
        props.insert(k.clone(), v.clone());
    }
    required.extend(
        schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned),
    );
    (props, required)
}

/// The examples of the documented response `status` of `method path`.
pub fn documented_examples(doc: &Value, method: &str, path: &str, status: u16) -> Vec<Value> {
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    let mut out = Vec::new();
    for media in response["content"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|m| m.1)
    {
        out.extend(media.get("example").cloned());
        for example in media["examples"].as_object().into_iter().flatten() {
            out.push(example.1["value"].clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conformance_follows_refs_and_refuses_what_the_schema_does_not_allow() {
        let doc = json!({"components": {"schemas": {
            "Err": {"type": "object", "required": ["code"], "properties": {
                "code": {"type": "integer", "maximum": 499999},
                "kind": {"type": "string", "enum": ["a", "b"], "maxLength": 1},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}}}}}});
        let schema = json!({"$ref": "#/components/schemas/Err"});
        assert_eq!(
            conforms(&doc, &schema, &json!({"code": 400000, "kind": "a"}), "$"),
            Ok(())
        );
        for bad in [
            json!({}),
            json!({"code": "400000"}),
            json!({"code": 500000}),
            json!({"code": 1, "kind": "c"}),
            json!({"code": 1, "tags": ["x", "y", "z"]}),
            json!({"code": 1, "tags": [1]}),
            json!({"code": 1, "extra": true}),
        ] {
            assert!(conforms(&doc, &schema, &bad, "$").is_err(), "{bad}");
        }
        assert_eq!(refs(&schema), vec!["#/components/schemas/Err".to_owned()]);
    }

    #[test]
    fn unresolved_names_dangling_refs_and_schemes() {
        let doc = json!({
            "components": {"schemas": {"A": {"type": "string"}},
                "securitySchemes": {"Key": {"type": "apiKey"}}},
            "paths": {"/x": {"get": {
                "security": [{"Key": []}, {"Nope": []}],
                "responses": {"200": {"content": {"application/json": {"schema":
                    {"oneOf": [{"$ref": "#/components/schemas/A"},
                               {"$ref": "#/components/schemas/B"}]}}}}}}}}});
        assert_eq!(
            unresolved(&doc),
            vec![
                "$ref #/components/schemas/B".to_owned(),
                "get /x: security scheme Nope".to_owned()
            ]
        );
    }

    #[test]
    fn examples_are_collected_from_every_media_type() {
        let doc = json!({"paths": {"/x": {"get": {"responses": {"401": {"content": {
            "application/json": {"example": {"a": 1},
                "examples": {"b": {"value": {"b": 2}}}}}}}}}}});
        assert_eq!(
            documented_examples(&doc, "get", "/x", 401),
            vec![json!({"a": 1}), json!({"b": 2})]
        );
    }
}
