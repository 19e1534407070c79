//! A document refined by the engine, as splices of its source.

use pare_engine::{ActionTable, Change, RefineOptions, Refinement, UnusedSet};

use crate::doc::{Document, Splice};

/// A document's refinement and the splices that write it into the source.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The engine's view of the document's literal statements.
    pub original: pare_engine::Policy,
    /// What the engine made of it.
    pub refinement: Refinement,
    /// The edits of the source (none when `detach`).
    pub splices: Vec<Splice>,
    /// Every statement would go: the policy should be deleted, which pare
    /// leaves to the user (the source is not edited).
    pub detach: bool,
}

/// Refines the literal statements of `doc`, found in `text`.
pub fn refine(
    doc: &Document,
    text: &str,
    unused: &UnusedSet,
    table: ActionTable<'_>,
    options: &RefineOptions,
) -> Result<Outcome, pare_engine::Error> {
    let (original, index) = doc.policy()?;
    let refinement = pare_engine::refine(&original, unused, table, options);
    let removed: Vec<usize> = refinement
        .edits
        .iter()
        .filter(|e| e.change == Change::StatementRemoved)
        .map(|e| e.statement)
        .collect();
    let mut changed = Vec::new();
    let mut refined = refinement.policy.statements().iter();
    for (k, before) in original.statements().iter().enumerate() {
        let Some(&at) = index.get(k) else { continue };
        if removed.contains(&k) {
            changed.push((at, None));
            continue;
        }
        let Some(after) = refined.next() else { break };
        if after.entries() != before.entries() {
            changed.push((at, Some(after.entries().to_vec())));
        }
    }
    let gone: Vec<usize> = changed
        .iter()
        .filter(|(_, e)| e.is_none())
        .map(|(at, _)| *at)
        .collect();
    let detach = !gone.is_empty() && doc.removes_all(&gone);
    let splices = if detach {
        Vec::new()
    } else {
        doc.splices(text, &changed)
    };
    Ok(Outcome {
        original,
        refinement,
        splices,
        detach,
    })
}
