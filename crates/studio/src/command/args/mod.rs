//! The argument types of the commands (the `data` of their requests), and
//! how each is read from the request's data ([`Args`]).

mod edit;
mod replay;
mod tools;

pub use edit::*;
pub use replay::*;
pub use tools::*;

use serde_json::Value;

use super::error::CommandError;

/// A command's arguments, read from its request's data.
pub trait Args: Sized {
    /// Reads them; an error is `invalid` and names the argument at fault.
    fn from_data(data: Value) -> Result<Self, CommandError>;
}

/// Commands without arguments take any data (`null`, missing, `{}`).
impl Args for () {
    fn from_data(_: Value) -> Result<Self, CommandError> {
        Ok(())
    }
}

/// Declares the arguments of a command that sets one value, given wrapped
/// (`{"KEY": value}`) or bare (the value itself); the engine checks it
/// (its errors name the field).
macro_rules! wrapped_args {
    ($(#[$meta:meta])* pub struct $name:ident { $field:ident: $key:literal as $ts:literal }) => {
        #[derive(Debug, Clone, ts_rs::TS)]
        $(#[$meta])*
        #[doc = concat!("Sent as `{\"", $key, "\": …}` or bare.")]
        pub struct $name {
            /// The new value.
            #[ts(type = $ts)]
            pub $field: serde_json::Value,
        }

        impl Args for $name {
            fn from_data(data: serde_json::Value) -> Result<Self, CommandError> {
                Ok($name {
                    $field: crate::command::fields::unwrap_key(data, $key),
                })
            }
        }
    };
    // The same, or sent as `{"TEXT_KEY": "JSON text"}` that the engine
    // parses: a client holding doubles (the UI) would round the numbers
    // typed in it (9007199254740993 to 9007199254740992).
    ($(#[$meta:meta])* pub struct $name:ident { $field:ident: $key:literal as $ts:literal, $text:ident: $text_key:literal }) => {
        #[derive(Debug, Clone, ts_rs::TS)]
        $(#[$meta])*
        #[doc = concat!("Sent as `{\"", $key, "\": …}`, bare, or as `{\"", $text_key, "\": …}`.")]
        pub struct $name {
            /// The new value (read from the text when sent as text).
            #[ts(type = $ts, optional)]
            pub $field: serde_json::Value,
            /// Instead of the value: its JSON text, which the engine
            /// parses, so that its numbers stay as written.
            #[ts(rename = $text_key, optional)]
            pub $text: Option<String>,
        }

        impl Args for $name {
            fn from_data(data: serde_json::Value) -> Result<Self, CommandError> {
                match data {
                    serde_json::Value::Object(map) if map.contains_key($text_key) => {
                        if map.contains_key($key) {
                            return Err(CommandError::invalid_field(
                                $text_key,
                                concat!("give ", $key, " or ", $text_key, ", not both"),
                            ));
                        }
                        let text: String =
                            crate::command::fields::Fields::of(serde_json::Value::Object(map))
                                .get($text_key)?;
                        Ok($name {
                            $field: crate::command::args::edit::parse_text($text_key, &text)?,
                            $text: Some(text),
                        })
                    }
                    other => Ok($name {
                        $field: crate::command::fields::unwrap_key(other, $key),
                        $text: None,
                    }),
                }
            }
        }
    };
}
use wrapped_args;

/// Declares the arguments of a command whose every field is a small value
/// read by its name (`Fields::get`: an error names the field).
macro_rules! plain_args {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident: $ty:ty, )*
        }
    ) => {
        #[derive(Debug, Clone, ts_rs::TS)]
        $(#[$meta])*
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl $name {
            /// Reads the fields from `fields` (the others are left there).
            #[allow(dead_code, reason = "used where another command embeds these")]
            pub(crate) fn from_fields(
                fields: &mut crate::command::fields::Fields,
            ) -> Result<Self, CommandError> {
                Ok($name {
                    $( $field: fields.get(stringify!($field))?, )*
                })
            }
        }

        impl Args for $name {
            fn from_data(data: serde_json::Value) -> Result<Self, CommandError> {
                $name::from_fields(&mut crate::command::fields::Fields::of(data))
            }
        }
    };
}
use plain_args;
