//! The modifier-kind registry: one descriptor per kind (each in its own file under `kinds/`),
//! with `register` / `get` / `list` / `has`. Built-ins are registered by [`Registry::builtin`];
//! custom modifiers enter through the `custom` kind and the encounter's own descriptors (never a
//! global table).

use super::resolve::{Acc, Source};
use super::ModifierEntry;

/// How several sources of one kind combine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StackingRule {
    /// Sum of every source.
    Additive,
    /// Sum, then clamped to `[min, max]`.
    AdditiveClamped { min: i32, max: i32 },
    /// `1 − ∏(1 − rᵢ)`: two 50 % sources give 75 %.
    Multiplicative,
    /// Set union.
    Union,
    /// Bitwise OR of flags.
    BitOr,
    /// The highest precedence wins (per-instance > per-type > preset); ties: later profile.
    PrecedenceWins,
}

/// A modifier kind: id, the attribute it changes, a label, its value schema (text for humans,
/// `check` for the validator), its stacking rule, `apply` (fold one entry into the resolution)
/// and `describe` (one line for humans). `facts` names the resolved attributes an entry sets
/// (the validator's 16-attribute limit counts them).
#[derive(Clone, Copy)]
pub struct KindDescriptor {
    pub id: &'static str,
    pub attribute: &'static str,
    pub label: &'static str,
    pub value_schema: &'static str,
    pub stacking: StackingRule,
    pub check: fn(&ModifierEntry) -> Result<(), String>,
    pub apply: fn(&mut Acc, &ModifierEntry, Source),
    pub describe: fn(&ModifierEntry) -> String,
    pub facts: fn(&ModifierEntry) -> Vec<String>,
}

impl std::fmt::Debug for KindDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KindDescriptor({})", self.id)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Registry {
    kinds: Vec<KindDescriptor>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry { kinds: Vec::new() }
    }

    /// Every built-in kind.
    pub fn builtin() -> Registry {
        use super::kinds::*;
        let mut r = Registry::new();
        for d in [
            hp_bonus::DESCRIPTOR,
            movement_bonus::DESCRIPTOR,
            attack_bonus::DESCRIPTOR,
            resistance::DESCRIPTOR,
            condition_immunity::DESCRIPTOR,
            trait_flags::DESCRIPTOR,
            crit_range::DESCRIPTOR,
            custom::DESCRIPTOR,
        ] {
            // Built-in ids are distinct; a duplicate would be a programming error caught by tests.
            let _ = r.register(d);
        }
        r
    }

    /// Add a kind; `Err` if its id is taken (ids are never redefined).
    pub fn register(&mut self, d: KindDescriptor) -> Result<(), String> {
        if self.has(d.id) {
            return Err(format!("modifier kind `{}` is already registered", d.id));
        }
        self.kinds.push(d);
        Ok(())
    }
    pub fn get(&self, id: &str) -> Option<&KindDescriptor> {
        self.kinds.iter().find(|k| k.id == id)
    }
    pub fn list(&self) -> Vec<&KindDescriptor> {
        self.kinds.iter().collect()
    }
    pub fn has(&self, id: &str) -> bool {
        self.get(id).is_some()
    }
    /// Comma-separated ids, for error messages.
    pub fn ids(&self) -> String {
        self.kinds.iter().map(|k| k.id).collect::<Vec<_>>().join(", ")
    }
}
