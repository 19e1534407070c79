//! The diagnostics of a refinement, held compactly.

use std::borrow::Cow;
use std::sync::Arc;

use super::{Diagnostic, DiagnosticCode};

/// The diagnostics of a refinement, in order.
///
/// A finding lists every unused action of a principal, and a list of
/// millions of actions the catalog does not know makes two remarks each: as
/// one [`Diagnostic`] apiece they took ten times the list's own size. So the
/// remarks about the list's actions are held as one record of their names
/// (shared with the list) and which remarks each gets; [`Diagnostics::iter`]
/// gives each remark as a `Diagnostic`, in the order they were made.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub(super) parts: Vec<Part>,
}

#[derive(Clone, Debug)]
pub(super) enum Part {
    One(Diagnostic),
    /// Remarks about actions of the unused list: for each action, its name
    /// and which remarks it gets ([`ActionRemarks::UNKNOWN`] first, then
    /// [`ActionRemarks::NOT_GRANTED`]).
    Actions(ActionRemarks),
}

/// Remarks about actions of the unused list, compactly.
#[derive(Clone, Debug, Default)]
pub(super) struct ActionRemarks {
    pub(super) names: Vec<Arc<str>>,
    pub(super) remarks: Vec<u8>,
}

impl ActionRemarks {
    /// Not in the catalog.
    pub(super) const UNKNOWN: u8 = 1;
    /// Not granted by the policy.
    pub(super) const NOT_GRANTED: u8 = 2;

    /// The remark `bit` about `name`.
    fn diagnostic(name: &Arc<str>, bit: u8) -> Diagnostic {
        let (code, message) = if bit == Self::UNKNOWN {
            (
                DiagnosticCode::UnknownUnusedAction,
                "is reported unused but is not in the catalog (the catalog may be stale); still honoured",
            )
        } else {
            (
                DiagnosticCode::UnusedNotGranted,
                "is reported unused but this policy does not grant it (findings are per principal; another policy may)",
            )
        };
        Diagnostic {
            code,
            statement: None,
            subject: Arc::clone(name),
            message: Cow::Borrowed(message),
        }
    }
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Appends one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.parts.push(Part::One(diagnostic));
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::One(_) => 1,
                Part::Actions(a) => a.remarks.iter().map(|r| r.count_ones() as usize).sum(),
            })
            .sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each diagnostic, in order (those about the unused list's actions
    /// made as they are reached).
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, Diagnostic>> + '_ {
        self.parts.iter().flat_map(
            |part| -> Box<dyn Iterator<Item = Cow<'_, Diagnostic>> + '_> {
                match part {
                    Part::One(d) => Box::new(std::iter::once(Cow::Borrowed(d))),
                    Part::Actions(a) => {
                        Box::new(a.names.iter().zip(&a.remarks).flat_map(|(name, &remarks)| {
                            [ActionRemarks::UNKNOWN, ActionRemarks::NOT_GRANTED]
                                .into_iter()
                                .filter(move |bit| remarks & bit != 0)
                                .map(move |bit| Cow::Owned(ActionRemarks::diagnostic(name, bit)))
                        }))
                    }
                }
            },
        )
    }

    /// Every diagnostic, each its own value.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        let mut all = Vec::with_capacity(self.len());
        all.extend(self.iter().map(Cow::into_owned));
        all
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(diagnostics: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics {
            parts: diagnostics.into_iter().map(Part::One).collect(),
        }
    }
}

impl PartialEq for Diagnostics {
    fn eq(&self, other: &Diagnostics) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Diagnostics {}

/// Written as the list of every diagnostic, as a `Vec<Diagnostic>` is.
impl serde::Serialize for Diagnostics {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}
