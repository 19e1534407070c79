//! The organization summary: one row per account and the total, written as
//! a table, CSV or JSON.

use pare_engine::account::{AccountDiagnostic, FindingCounts};
use serde::Serialize;

use super::super::*;

/// What an account's policies lose, and what of its plan is refused.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Refused {
    /// Refined policies over a quota: left commented out in apply.sh.
    pub(super) over_quota: usize,
    /// Policies left alone: unreadable, or held by an Identity Center role.
    pub(super) skipped: usize,
    /// Active findings for principals its details do not have.
    pub(super) findings_not_applied: usize,
}

/// One account's line of the organization summary.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccountRow {
    /// The account id (`total` on the total line).
    pub(super) account_id: String,
    /// The details file it was read from.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(super) details: String,
    /// Roles and users with an unused set.
    pub(super) principals: usize,
    /// Of those, the ones a change of the plan applies to.
    pub(super) principals_refined: usize,
    /// The policies they hold.
    pub(super) policies: usize,
    /// Policies apply.sh changes.
    pub(super) changed: usize,
    pub(super) put_inline: usize,
    pub(super) delete_inline: usize,
    pub(super) new_version: usize,
    /// Managed policies detached whole.
    pub(super) detached: usize,
    /// Policies replaced by a new customer managed one (AWS managed ones).
    pub(super) replaced: usize,
    /// The actions no longer granted, counted per policy, by access level
    /// (what apply.sh applies; over-quota results are not counted).
    pub(super) removed: LevelCounts,
    /// What the plan will not do.
    pub(super) refused: Refused,
    /// What became of its findings.
    pub(super) findings: FindingCounts,
    /// What could not be read or applied, in full.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) diagnostics: Vec<AccountDiagnostic>,
}

impl AccountRow {
    pub(super) fn add(&mut self, other: &AccountRow) {
        self.principals += other.principals;
        self.principals_refined += other.principals_refined;
        self.policies += other.policies;
        self.changed += other.changed;
        self.put_inline += other.put_inline;
        self.delete_inline += other.delete_inline;
        self.new_version += other.new_version;
        self.detached += other.detached;
        self.replaced += other.replaced;
        levels::add(&mut self.removed, &other.removed);
        self.refused.over_quota += other.refused.over_quota;
        self.refused.skipped += other.refused.skipped;
        self.refused.findings_not_applied += other.refused.findings_not_applied;
        let (f, o) = (&mut self.findings, &other.findings);
        f.read += o.read;
        f.unused_permission += o.unused_permission;
        f.reported += o.reported;
        f.archived += o.archived;
        f.resolved += o.resolved;
        f.other_type += o.other_type;
        f.unknown_principal += o.unknown_principal;
        f.other_account += o.other_account;
        f.duplicate += o.duplicate;
        f.other_sets += o.other_sets;
    }

    pub(super) fn refused_total(&self) -> usize {
        self.refused.over_quota + self.refused.skipped + self.refused.findings_not_applied
    }
}

/// Findings for an account that no details file covers.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Unplaced {
    /// The account their resource ARN names (empty: none).
    pub(super) account_id: String,
    /// How many.
    pub(super) findings: usize,
    /// Their ids, in reading order.
    pub(super) ids: Vec<String>,
}

/// The whole organization's summary.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Summary {
    pub(super) accounts: Vec<AccountRow>,
    pub(super) total: AccountRow,
    pub(super) unplaced_findings: Vec<Unplaced>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) permission_sets: Vec<identity_center::SetReport>,
}

/// The summary's columns: the account, its counts, the access levels and
/// what was refused.
pub(super) fn summary_header() -> Vec<&'static str> {
    [
        "ACCOUNT",
        "PRINCIPALS",
        "REFINED",
        "POLICIES",
        "CHANGED",
        "DETACHED",
        "REPLACED",
    ]
    .into_iter()
    .chain(levels::LEVELS.iter().map(|l| l.table))
    .chain(["REFUSED"])
    .collect()
}

pub(super) fn summary_cells(row: &AccountRow) -> Vec<String> {
    let mut cells = vec![
        row.account_id.clone(),
        thousands(row.principals),
        thousands(row.principals_refined),
        thousands(row.policies),
        thousands(row.changed),
        thousands(row.detached),
        thousands(row.replaced),
    ];
    cells.extend(levels::cells(&levels::LEVELS, &row.removed, thousands));
    cells.push(thousands(row.refused_total()));
    cells
}

/// `--format table`: one line per account and the total, then what was refused.
pub(super) fn summary_table(summary: &Summary) -> String {
    let header = summary_header();
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for row in summary.accounts.iter().chain([&summary.total]) {
        lines.push(
            summary_cells(row)
                .iter()
                .map(|c| safe::escape(c).into_owned())
                .collect(),
        );
    }
    let mut out = aligned(
        &lines,
        &super::super::table::column_widths(&lines, header.len()),
    );
    out.push('\n');
    let _ = writeln!(
        out,
        "REMOVED: actions no longer granted, counted per policy, by access level (PERM: permissions management); what apply.sh applies"
    );
    for line in refused_lines(summary) {
        let _ = writeln!(out, "{line}");
    }
    for set in &summary.permission_sets {
        let _ = writeln!(out, "{}", set.line());
    }
    let f = &summary.total.findings;
    let _ = writeln!(
        out,
        "findings: {} read, {} UnusedPermission applied, {} reported, {} archived and {} resolved ignored, {} of other types ignored, {} for unknown principals, {} duplicates; {} for accounts not in this run",
        f.read,
        f.unused_permission,
        f.reported,
        f.archived,
        f.resolved,
        f.other_type,
        f.unknown_principal,
        f.duplicate,
        summary
            .unplaced_findings
            .iter()
            .map(|u| u.findings)
            .sum::<usize>(),
    );
    if let Some(line) = super::super::table::other_sets_line(f) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The rows, the first column aligned left and the others right, two
/// spaces apart.
fn aligned(lines: &[Vec<String>], widths: &[usize]) -> String {
    let mut out = String::new();
    for line in lines {
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            let width = widths.get(c).copied().unwrap_or(0);
            let pad = " ".repeat(width.saturating_sub(cell.chars().count()));
            if c > 0 {
                text.push_str("  ");
                text.push_str(&pad);
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&pad);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// What each account refused, then the findings no account took.
fn refused_lines(summary: &Summary) -> Vec<String> {
    let mut lines = Vec::new();
    for row in &summary.accounts {
        let r = &row.refused;
        if row.refused_total() == 0 {
            continue;
        }
        lines.push(format!(
            "refused in {}: {} over a size quota (left commented out in apply.sh), {} skipped (unreadable, or held by an Identity Center role), {} for principals not in its details",
            Escaped(&row.account_id),
            plural(r.over_quota, "policy", "policies"),
            plural(r.skipped, "policy", "policies"),
            plural(r.findings_not_applied, "finding", "findings"),
        ));
    }
    for unplaced in &summary.unplaced_findings {
        let account = if unplaced.account_id.is_empty() {
            "no account".to_string()
        } else {
            format!("account {}", Escaped(&unplaced.account_id))
        };
        lines.push(format!(
            "not applied: {} for {account}, which no details file covers",
            plural(unplaced.findings, "finding", "findings")
        ));
    }
    lines
}

/// `--format csv`: one row per account (a spreadsheet sums them).
pub(super) fn summary_csv(summary: &Summary) -> Result<String, Error> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let csv_error = |e: ::csv::Error| Error::input("cannot write CSV").with_source(e);
    writer
        .write_record(
            [
                "account_id",
                "details",
                "principals",
                "principals_refined",
                "policies",
                "changed",
                "put_inline",
                "delete_inline",
                "new_version",
                "detached",
                "replaced",
            ]
            .into_iter()
            .chain(levels::LEVELS.iter().map(|l| l.csv))
            .chain([
                "refused_over_quota",
                "refused_skipped",
                "refused_findings_not_applied",
                "findings_read",
                "findings_applied",
                "warnings",
            ]),
        )
        .map_err(csv_error)?;
    for row in &summary.accounts {
        let mut record = vec![
            row.account_id.clone(),
            row.details.clone(),
            row.principals.to_string(),
            row.principals_refined.to_string(),
            row.policies.to_string(),
            row.changed.to_string(),
            row.put_inline.to_string(),
            row.delete_inline.to_string(),
            row.new_version.to_string(),
            row.detached.to_string(),
            row.replaced.to_string(),
        ];
        record.extend(levels::cells(&levels::LEVELS, &row.removed, |n| {
            n.to_string()
        }));
        record.extend([
            row.refused.over_quota.to_string(),
            row.refused.skipped.to_string(),
            row.refused.findings_not_applied.to_string(),
            row.findings.read.to_string(),
            row.findings.unused_permission.to_string(),
            row.diagnostics.len().to_string(),
        ]);
        writer.write_record(record).map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::input("cannot write CSV").with_source(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
