//! Strict JSON reading: duplicate keys are errors, a byte-order mark is skipped,
//! object key order is kept, and errors carry line and column.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

use crate::error::Error;

/// Parses one JSON value from `text`, rejecting duplicate object keys (IAM does).
pub fn parse(text: &str) -> Result<Value, Error> {
    let text = strip_bom(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let value = StrictValue
        .deserialize(&mut de)
        .map_err(|e| Error::json(&e))?;
    de.end().map_err(|e| Error::json(&e))?;
    Ok(value)
}

/// Parses a sequence of whitespace-separated JSON values (JSON Lines and the like).
pub(crate) fn parse_stream(text: &str) -> Result<Vec<Value>, Error> {
    serde_json::Deserializer::from_str(strip_bom(text))
        .into_iter::<Strict>()
        .map(|item| item.map(|Strict(value)| value).map_err(|e| Error::json(&e)))
        .collect()
}

/// A JSON value read with [`StrictValue`]'s rules, for the stream reader.
struct Strict(Value);

impl<'de> de::Deserialize<'de> for Strict {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
        StrictValue.deserialize(deserializer).map(Strict)
    }
}

/// `text` without a leading UTF-8 byte-order mark.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

/// The key under which serde_json's `arbitrary_precision` passes a number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // serde_json's `arbitrary_precision` hands every number over as a
            // one-entry map holding its text: keep that text, so numbers are
            // printed back exactly as written.
            if object.is_empty() && key == NUMBER_TOKEN {
                let text: String = map.next_value()?;
                let number = text
                    .parse::<serde_json::Number>()
                    .map_err(|e| de::Error::custom(format_args!("number `{text}`: {e}")))?;
                return Ok(Value::Number(number));
            }
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let value = map.next_value_seed(StrictValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Location};

    #[test]
    fn duplicate_keys_are_rejected_with_a_position() {
        let err = parse("{\n  \"a\": 1,\n  \"a\": 2\n}").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Json);
        assert!(err.message.contains("duplicate key `a`"), "{}", err.message);
        assert!(matches!(err.location, Some(Location::Text { line: 3, .. })));
    }

    #[test]
    fn key_order_and_bom() {
        let v = parse("\u{feff}{\"z\": 1, \"a\": 2}").unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["z", "a"]);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        assert_eq!(parse(&text).unwrap_err().kind, ErrorKind::Json);
    }

    #[test]
    fn numbers_keep_their_text() {
        let text =
            r#"{"a":100000000000000000001,"b":3.3333333e+41,"c":1.50,"d":-0,"e":[7e+33,10]}"#;
        let value = parse(text).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), text);
        // Every digit is kept; only the exponent's spelling is serde_json's
        // (a lowercase `e` and an explicit sign), which is the same number.
        let exponents = parse(r#"[7e33, 1E-5, 12345678901234567890.5e2]"#).unwrap();
        assert_eq!(
            serde_json::to_string(&exponents).unwrap(),
            "[7e+33,1e-5,12345678901234567890.5e+2]"
        );
        assert_eq!(value["e"][1].as_u64(), Some(10));
        // serde_json passes numbers as objects with this one key, so an
        // object written with it cannot be told from a number: it is read as
        // one when its value is a number's text, and is an error otherwise.
        let odd = r#"{"$serde_json::private::Number":"x","y":1}"#;
        assert_eq!(parse(odd).unwrap_err().kind, ErrorKind::Json);
    }

    #[test]
    fn streams_of_values() {
        let values = parse_stream("{\"a\":1}\n{\"b\":2}\n").unwrap();
        assert_eq!(values.len(), 2);
        assert_eq!(parse_stream("  ").unwrap().len(), 0);
        assert!(parse_stream("{\"a\":1}\n{oops").is_err());
    }
}
