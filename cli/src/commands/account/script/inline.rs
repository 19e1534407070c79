//! The inline-policy steps of `apply.sh` and `rollback.sh`, as a table:
//! which document each compares, puts, and takes as already done.

use super::*;

/// Which document of the plan a step of an inline policy names.
#[derive(Clone, Copy, Debug)]
enum Doc {
    /// `BASE.json`.
    Refined,
    /// `original/BASE.json`.
    Original,
}

/// How a script recognises an inline policy's step as already done.
#[derive(Clone, Copy, Debug)]
enum Done {
    /// The live document is this one.
    Same(Doc),
    /// The first comparison said this (`absent`: no such policy).
    State(&'static str),
}

/// One inline policy's step in one script.
#[derive(Debug)]
struct InlineStep {
    script: Script,
    decision: Decision,
    /// The live document the step starts from, and what the comparison with
    /// it must say (`true`, or `absent` when the step puts back a deleted
    /// policy).
    compare: Doc,
    start: &'static str,
    /// The document put (`None`: the policy is deleted).
    put: Option<Doc>,
    done: Done,
    /// Since when a live document that is neither says it changed.
    since: &'static str,
}

/// The four inline steps: apply.sh puts the refined document or deletes the
/// policy; rollback.sh puts the original back either way.
const INLINE: [InlineStep; 4] = [
    InlineStep {
        script: Script::Apply,
        decision: Decision::PutInline,
        compare: Doc::Original,
        start: "true",
        put: Some(Doc::Refined),
        done: Done::Same(Doc::Refined),
        since: "the plan was made",
    },
    InlineStep {
        script: Script::Apply,
        decision: Decision::DeleteInline,
        compare: Doc::Original,
        start: "true",
        put: None,
        done: Done::State("absent"),
        since: "the plan was made",
    },
    InlineStep {
        script: Script::Rollback,
        decision: Decision::PutInline,
        compare: Doc::Refined,
        start: "true",
        put: Some(Doc::Original),
        done: Done::Same(Doc::Original),
        since: "apply.sh ran",
    },
    InlineStep {
        script: Script::Rollback,
        decision: Decision::DeleteInline,
        compare: Doc::Original,
        start: "absent",
        put: Some(Doc::Original),
        done: Done::State("true"),
        since: "apply.sh ran",
    },
];

impl View<'_> {
    /// The lines of one inline policy's step, as [`INLINE`] says: compare the
    /// live document, act, or say the step is already done or was overtaken.
    pub(super) fn inline_lines(
        &self,
        l: &mut Lines,
        policy: &PolicyPlan,
        base: &str,
        entity: usize,
        name: &str,
        script: Script,
    ) {
        let Some(owner) = self.account.entities.get(entity) else {
            return;
        };
        let Some(step) = INLINE
            .iter()
            .find(|s| s.script == script && s.decision == policy.decision)
        else {
            return;
        };
        let what = self.what(policy);
        let path = |doc: Doc| match doc {
            Doc::Refined => format!("{base}.json"),
            Doc::Original => format!("original/{base}.json"),
        };
        let kind = owner.kind.as_str();
        let (owner_name, policy_name) = (arg(&owner.name), arg(name));
        let get =
            format!("iam get-{kind}-policy --{kind}-name{owner_name} --policy-name{policy_name}");
        let same = |doc: Doc| {
            format!(
                "state=$(same PolicyDocument {} {get})",
                shell_word(&path(doc))
            )
        };
        let skip = format!("skip {what} 'its document changed since {}'", step.since);
        l.push(0, same(step.compare));
        l.push(0, format!("if [ \"$state\" = {} ]; then", step.start));
        l.push(
            1,
            match step.put {
                Some(doc) => format!(
                    "aws iam put-{kind}-policy --{kind}-name{owner_name} --policy-name{policy_name} --policy-document{}",
                    arg(&format!("file://{}", path(doc)))
                ),
                None => format!(
                    "aws iam delete-{kind}-policy --{kind}-name{owner_name} --policy-name{policy_name}"
                ),
            },
        );
        match step.done {
            Done::Same(doc) => {
                l.push(0, "else");
                l.push(1, same(doc));
                l.push(1, "if [ \"$state\" = true ]; then");
                l.push(2, format!("already {what}"));
                l.push(1, "else");
                l.push(2, skip);
                l.push(1, "fi");
            }
            Done::State(state) => {
                l.push(0, format!("elif [ \"$state\" = {state} ]; then"));
                l.push(1, format!("already {what}"));
                l.push(0, "else");
                l.push(1, skip);
            }
        }
        l.push(0, "fi");
    }
}
