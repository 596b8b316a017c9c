//! Enums that travel and are stored as their snake-case names (rules, kinds, statuses, roles):
//! one macro writes each one's list, its names and the parsing back, so a variant cannot be
//! added to the type and forgotten in its name table. The names are serde's (`rename_all =
//! "snake_case"` or per-variant renames); `core/tests/names.rs` holds the two together.

/// `names!(Type { Variant => "name", ... })`: `Type::ALL` (in the order given), `as_str`,
/// `parse` and `TryFrom<String>` (how the store reads a name back, naming the bad value).
macro_rules! names {
    ($type:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $type {
            /// Every variant, in the order the type lists them.
            pub const ALL: [$type; [$($name),+].len()] = [$($type::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $name),+
                }
            }

            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == name)
            }
        }

        impl TryFrom<String> for $type {
            type Error = String;

            fn try_from(name: String) -> Result<Self, String> {
                Self::parse(&name).ok_or_else(|| format!("is not a {}: `{name}`", stringify!($type)))
            }
        }
    };
}

pub(crate) use names;
