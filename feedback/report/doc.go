// Package report aggregates feedback signals into a report and renders it.
//
// [Aggregate] (and [AggregateStore]) stream signals into a [Report] in one
// pass, with memory bounded by the number of groups — decisions, rules,
// blueprints, files, distinct edits, projects — never by the number of
// signals. Only each project's latest scan counts for the current state;
// trends use every scan. The report ranks the decisions to revisit, each
// [Reason] with the signals behind it, lists the desire paths (the same
// downstream edit in several projects), and summarises every decision and
// blueprint; it renders as JSON ([Report.JSON]) and as Markdown
// ([Report.Markdown]). docs/feedback.md documents the conventions, every
// field and every reason.
package report
