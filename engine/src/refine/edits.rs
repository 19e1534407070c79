//! The edits of a refinement, held compactly.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use super::{Change, Edit, List, RemovalReason};
use crate::policy::ActionKey;

/// The edits of a refinement, in order.
///
/// The contract lists every edit one by one, and a hostile policy of wide
/// wildcards asks for a great many: 72 spellings of `*??????????*` are each
/// replaced by thousands of entries, and every copy after the first is a
/// `duplicate` edit (664,000 of them; 1.5 million for a policy of IAM's
/// largest size). As one [`Edit`] apiece, building them took most of the
/// refinement. So a replacement holds its list shared with every other
/// entry of the same language, and a run of duplicates that came from one
/// replacement list is one record of that list and the run's range;
/// [`Edits::iter`] gives each edit as an `Edit`, in order, made as it is
/// reached.
#[derive(Clone, Default)]
pub struct Edits {
    pub(super) parts: Vec<Part>,
}

/// Where an edit is: the statement, its `Sid` (shared by the parts of one
/// statement), and the key.
#[derive(Clone, Debug)]
pub(super) struct Place {
    pub(super) statement: usize,
    pub(super) sid: Option<Arc<str>>,
    pub(super) key: ActionKey,
}

impl Place {
    pub(super) fn edit(&self, change: Change) -> Edit {
        Edit {
            statement: self.statement,
            sid: self.sid.as_deref().map(str::to_string),
            key: self.key,
            change,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) enum Part {
    One(Edit),
    /// `entry` replaced by `with`.
    Replaced {
        place: Place,
        entry: String,
        with: List,
    },
    /// A `duplicate` removal of each of `list[run]`, in order.
    Duplicates {
        place: Place,
        list: List,
        run: Range<usize>,
    },
}

impl Part {
    fn len(&self) -> usize {
        match self {
            Part::One(_) | Part::Replaced { .. } => 1,
            Part::Duplicates { run, .. } => run.len(),
        }
    }
}

impl Edits {
    /// No edits.
    pub fn new() -> Edits {
        Edits::default()
    }

    /// Appends one.
    pub fn push(&mut self, edit: Edit) {
        self.parts.push(Part::One(edit));
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.parts.iter().map(Part::len).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|part| part.len() == 0)
    }

    /// Each edit, in order (those held compactly made as they are reached).
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, Edit>> + '_ {
        self.parts
            .iter()
            .flat_map(|part| -> Box<dyn Iterator<Item = Cow<'_, Edit>> + '_> {
                match part {
                    Part::One(edit) => Box::new(std::iter::once(Cow::Borrowed(edit))),
                    Part::Replaced { place, entry, with } => {
                        Box::new(std::iter::once(Cow::Owned(place.edit(Change::Replaced {
                            entry: entry.clone(),
                            with: with.iter().map(|e| String::from(&**e)).collect(),
                        }))))
                    }
                    Part::Duplicates { place, list, run } => Box::new(
                        list.get(run.clone())
                            .unwrap_or(&[])
                            .iter()
                            .map(move |entry| {
                                Cow::Owned(place.edit(Change::Removed {
                                    entry: String::from(&**entry),
                                    reason: RemovalReason::Duplicate,
                                }))
                            }),
                    ),
                }
            })
    }

    /// Every edit, each its own value.
    pub fn into_vec(self) -> Vec<Edit> {
        let mut all = Vec::with_capacity(self.len());
        all.extend(self.iter().map(Cow::into_owned));
        all
    }

    /// Appends a `duplicate` removal of each of `list[run]`, joining the
    /// run to the last one when it continues it.
    pub(super) fn push_duplicates(&mut self, place: &Place, list: &List, run: Range<usize>) {
        if let Some(Part::Duplicates {
            place: last_place,
            list: last,
            run: last_run,
        }) = self.parts.last_mut()
        {
            if Arc::ptr_eq(last, list)
                && last_run.end == run.start
                && last_place.statement == place.statement
            {
                last_run.end = run.end;
                return;
            }
        }
        if !run.is_empty() {
            self.parts.push(Part::Duplicates {
                place: place.clone(),
                list: Arc::clone(list),
                run,
            });
        }
    }

    /// Frees what growing left over (an account plan holds every
    /// refinement to the end).
    pub(super) fn shrink_to_fit(&mut self) {
        self.parts.shrink_to_fit();
    }
}

impl<'e> IntoIterator for &'e Edits {
    type Item = Cow<'e, Edit>;
    type IntoIter = Box<dyn Iterator<Item = Cow<'e, Edit>> + 'e>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl From<Vec<Edit>> for Edits {
    fn from(edits: Vec<Edit>) -> Edits {
        Edits {
            parts: edits.into_iter().map(Part::One).collect(),
        }
    }
}

impl PartialEq for Edits {
    fn eq(&self, other: &Edits) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Edits {}

/// Shown as the list of every edit, as a `Vec<Edit>` is.
impl fmt::Debug for Edits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Written as the list of every edit, as a `Vec<Edit>` is.
impl serde::Serialize for Edits {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}
